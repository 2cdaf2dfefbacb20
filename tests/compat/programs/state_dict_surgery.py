# state_dict surgery: strict=False, renaming keys, partial loads, buffers in the dict.
import torch
import torch.nn as nn

torch.manual_seed(0)
src = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.Linear(4, 2))
sd = src.state_dict()
print("keys", list(sd.keys()))
print("bn_buffers", sd["1.running_mean"].shape, sd["1.num_batches_tracked"].dtype)

dst = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.Linear(4, 5))
filtered = {k: v for k, v in sd.items() if not k.startswith("2.")}
result = dst.load_state_dict(filtered, strict=False)
print("missing", result.missing_keys, "unexpected", result.unexpected_keys)
print("loaded", torch.equal(dst[0].weight, src[0].weight))
renamed = {"backbone." + k: v for k, v in sd.items()}
try:
    src.load_state_dict(renamed)
    print("strict_raises", False)
except RuntimeError as e:
    print("strict_raises", True, "Missing key(s)" in str(e), "Unexpected key(s)" in str(e))
try:
    dst.load_state_dict(sd)
    print("shape_mismatch_raises", False)
except RuntimeError as e:
    print("shape_mismatch_raises", True, "size mismatch" in str(e))
sd["0.weight"].add_(1.0)
print("state_dict_shares_memory", torch.equal(src[0].weight, sd["0.weight"]))
keep = {k: v.clone() for k, v in src.state_dict().items()}
with torch.no_grad():
    src[0].weight.zero_()
print("clone_kept", not torch.equal(keep["0.weight"], src[0].weight))
