"""Attention and transformer layers against PyTorch (outputs, input and parameter gradients with
a random upstream gradient, masks of every kind), finite-difference checks of
scaled_dot_product_attention, bad-input errors, and a tiny encoder that learns."""
from __future__ import annotations

import math

import numpy as np
import pytest

import scratchgrad as sg
import scratchgrad.nn.functional as F
from scratchgrad import nn, optim
from scratchgrad.utils import gradcheck

# PyTorch's own notes on its fast paths and mask types are not about this code.
pytestmark = [pytest.mark.filterwarnings("ignore:enable_nested_tensor is True"),
              pytest.mark.filterwarnings("ignore:Support for mismatched")]

RNG = np.random.default_rng(7)


def randn(*shape: int) -> np.ndarray:
    return RNG.standard_normal(shape).astype(np.float32)


def close(a, b, atol=1e-6, rtol=1e-5) -> None:
    a = a.detach().numpy() if hasattr(a, "detach") else np.asarray(a)
    b = b.detach().numpy() if hasattr(b, "detach") else np.asarray(b)
    assert a.shape == b.shape, (a.shape, b.shape)
    np.testing.assert_allclose(a, b, atol=atol, rtol=rtol)


def load(module: nn.Module, tmod) -> None:
    assert list(module.state_dict()) == list(tmod.state_dict())
    module.load_state_dict({k: v.detach().numpy() for k, v in tmod.state_dict().items()})


def as_pair(torch, value):
    """A mask or input in both frameworks (None stays None)."""
    if value is None:
        return None, None
    return sg.tensor(value), torch.tensor(value)


def run_pair(torch, module, tmod, inputs, kw=None, tkw=None, atol=1e-5, rtol=1e-5):
    """Same inputs through both modules (eval mode); compare the output(s), the gradient of
    every input and every parameter under one random upstream gradient."""
    module.eval()
    tmod.eval()
    xs = [sg.tensor(a, requires_grad=True) for a in inputs]
    txs = [torch.tensor(a, requires_grad=True) for a in inputs]
    y, ty = module(*xs, **(kw or {})), tmod(*txs, **(tkw or {}))
    ys = list(y) if isinstance(y, tuple) else [y]
    tys = list(ty) if isinstance(ty, tuple) else [ty]
    loss, tloss = 0, 0
    for a, b in zip(ys, tys):
        if b is None:
            assert a is None
            continue
        close(a, b, atol, rtol)
        assert a.dtype == np.float32
        gy = randn(*a.shape)
        loss, tloss = loss + (a * sg.tensor(gy)).sum(), tloss + (b * torch.tensor(gy)).sum()
    loss.backward()
    tloss.backward()
    for x, tx in zip(xs, txs):
        close(x.grad, tx.grad, atol, rtol)
    tparams = dict(tmod.named_parameters())
    assert [n for n, _ in module.named_parameters()] == list(tparams)
    for name, p in module.named_parameters():
        assert p.grad is not None and p.grad.dtype == np.float32, name
        close(p.grad, tparams[name].grad, atol, rtol)
    return ys


# ---------------------------------------------------------------------- scaled dot product
def _bool_mask(L: int, S: int, seed: int = 0) -> np.ndarray:
    m = np.random.default_rng(seed).random((L, S)) > 0.4
    m[:, 0] = True  # every query sees a key (PyTorch gives zeros otherwise; tested apart)
    return m


@pytest.mark.parametrize("shapes", [((2, 5, 8), (2, 7, 8), (2, 7, 6)),
                                    ((2, 3, 4, 8), (2, 3, 6, 8), (2, 3, 6, 8)),
                                    ((4, 8), (6, 8), (6, 3))])
@pytest.mark.parametrize("mask", ["none", "bool", "float", "causal", "scale"])
def test_sdpa_matches_torch(torch, shapes, mask):
    q, k, v = (randn(*s) for s in shapes)
    L, S = shapes[0][-2], shapes[1][-2]
    kw = {}
    if mask == "bool":
        kw["attn_mask"] = _bool_mask(L, S)
    elif mask == "float":
        kw["attn_mask"] = randn(L, S)
    elif mask == "causal":
        kw["is_causal"] = True
    elif mask == "scale":
        kw["scale"] = 0.3
    xs = [sg.tensor(a, requires_grad=True) for a in (q, k, v)]
    txs = [torch.tensor(a, requires_grad=True) for a in (q, k, v)]
    skw = {n: sg.tensor(a) if isinstance(a, np.ndarray) else a for n, a in kw.items()}
    tkw = {n: torch.tensor(a) if isinstance(a, np.ndarray) else a for n, a in kw.items()}
    y = F.scaled_dot_product_attention(*xs, **skw)
    ty = torch.nn.functional.scaled_dot_product_attention(*txs, **tkw)
    close(y, ty)
    assert y.dtype == np.float32
    gy = randn(*y.shape)
    y.backward(sg.tensor(gy))
    ty.backward(torch.tensor(gy))
    for x, tx in zip(xs, txs):
        close(x.grad, tx.grad)


def test_sdpa_float_mask_gets_its_gradient_and_broadcasts_over_batches(torch):
    q, k = randn(2, 3, 4, 8), randn(2, 3, 5, 8)
    m = randn(3, 1, 5)  # broadcasts over the batch and the queries
    mask, tmask = sg.tensor(m, requires_grad=True), torch.tensor(m, requires_grad=True)
    y = F.scaled_dot_product_attention(sg.tensor(q), sg.tensor(k), sg.tensor(k), attn_mask=mask)
    ty = torch.nn.functional.scaled_dot_product_attention(torch.tensor(q), torch.tensor(k),
                                                          torch.tensor(k), attn_mask=tmask)
    close(y, ty)
    gy = randn(*y.shape)
    y.backward(sg.tensor(gy))
    ty.backward(torch.tensor(gy))
    close(mask.grad, tmask.grad)


def test_sdpa_grouped_query_attention_matches_torch(torch):
    q, k, v = randn(2, 6, 4, 8), randn(2, 2, 5, 8), randn(2, 2, 5, 8)
    xs = [sg.tensor(a, requires_grad=True) for a in (q, k, v)]
    txs = [torch.tensor(a, requires_grad=True) for a in (q, k, v)]
    y = F.scaled_dot_product_attention(*xs, enable_gqa=True)
    ty = torch.nn.functional.scaled_dot_product_attention(*txs, enable_gqa=True)
    close(y, ty)
    gy = randn(*y.shape)
    y.backward(sg.tensor(gy))
    ty.backward(torch.tensor(gy))
    for x, tx in zip(xs, txs):
        close(x.grad, tx.grad)


def test_sdpa_query_that_sees_no_key_gets_zeros_like_torch_and_finite_gradients(torch):
    q, k = randn(1, 3, 4), randn(1, 3, 4)
    m = np.ones((3, 3), bool)
    m[1] = False
    x = sg.tensor(q, requires_grad=True)
    y = F.scaled_dot_product_attention(x, sg.tensor(k), sg.tensor(k), attn_mask=sg.tensor(m))
    ty = torch.nn.functional.scaled_dot_product_attention(
        torch.tensor(q), torch.tensor(k), torch.tensor(k), attn_mask=torch.tensor(m))
    close(y, ty)
    assert np.all(y.detach().numpy()[0, 1] == 0)
    y.sum().backward()
    assert np.isfinite(x.grad.numpy()).all()
    assert np.all(x.grad.numpy()[0, 1] == 0)


def test_sdpa_dropout_drops_weights_and_keeps_the_expectation():
    q = sg.zeros(1, 1, 200)  # equal scores: weights 1/200 each, output the mean of v
    v = sg.ones(1, 200, 1)
    sg.manual_seed(0)
    y = F.scaled_dot_product_attention(q, sg.zeros(1, 200, 200), v, dropout_p=0.5)
    # Each kept weight is 2/200: the output counts the kept keys.
    kept = y.item() * 100
    assert abs(kept - round(kept)) < 1e-3 and 60 < kept < 140


@pytest.mark.parametrize("kind", ["none", "bool", "float", "causal"])
def test_sdpa_gradcheck(kind):
    q, k, v = randn(2, 3, 4), randn(2, 5, 4), randn(2, 5, 3)
    if kind == "float":
        m = sg.tensor(randn(3, 5).astype(np.float64))
    else:
        m = sg.tensor(_bool_mask(3, 5)) if kind == "bool" else None
    causal = kind == "causal"
    inputs = [sg.tensor(a, requires_grad=True) for a in (q, k, v)]
    assert gradcheck(lambda a, b, c: F.scaled_dot_product_attention(
        a, b, c, attn_mask=m, is_causal=causal), inputs)


def test_sdpa_errors_name_the_op_and_the_shapes():
    q, k = sg.randn(2, 3, 4), sg.randn(2, 5, 4)
    with pytest.raises(ValueError, match=r"scaled_dot_product_attention.*\(4, 5\).*\(2, 3, 5\)"):
        F.scaled_dot_product_attention(q, k, k, attn_mask=sg.ones(4, 5, dtype=sg.bool))
    with pytest.raises(ValueError, match="scaled_dot_product_attention.*not both"):
        F.scaled_dot_product_attention(q, k, k, attn_mask=sg.ones(3, 5), is_causal=True)
    with pytest.raises(ValueError, match=r"scaled_dot_product_attention.*\(2, 5, 3\)"):
        F.scaled_dot_product_attention(q, sg.randn(2, 5, 3), k)
    with pytest.raises(ValueError, match="enable_gqa.*query heads \\(3\\)"):
        F.scaled_dot_product_attention(sg.randn(1, 3, 2, 4), sg.randn(1, 2, 2, 4),
                                       sg.randn(1, 2, 2, 4), enable_gqa=True)
    with pytest.raises(TypeError, match="attn_mask must be bool or floating"):
        F.scaled_dot_product_attention(q, k, k, attn_mask=sg.ones(3, 5, dtype=sg.int64))


# ---------------------------------------------------------------------- MultiheadAttention
MHA_CONFIGS = [dict(), dict(kdim=5, vdim=6), dict(bias=False), dict(add_bias_kv=True),
               dict(add_zero_attn=True), dict(batch_first=True),
               dict(add_bias_kv=True, add_zero_attn=True)]
KPM = np.array([[False] * 4, [False, False, True, True]])


@pytest.mark.parametrize("cfg", MHA_CONFIGS, ids=str)
@pytest.mark.parametrize("masks", ["none", "key_padding", "float_attn", "bool_both",
                                   "float_kpm_3d_attn", "per_head"])
def test_multihead_attention_matches_torch(torch, cfg, masks):
    torch.manual_seed(0)
    tmod = torch.nn.MultiheadAttention(8, 2, **cfg)
    m = nn.MultiheadAttention(8, 2, **cfg)
    load(m, tmod)
    bf = cfg.get("batch_first", False)
    kd, vd = cfg.get("kdim", 8), cfg.get("vdim", 8)
    q = randn(2, 3, 8) if bf else randn(3, 2, 8)
    k = randn(2, 4, kd) if bf else randn(4, 2, kd)
    v = randn(2, 4, vd) if bf else randn(4, 2, vd)
    attn = kpm = None
    average = True
    if masks == "key_padding":
        kpm = KPM
    elif masks == "float_attn":
        attn = randn(3, 4)
    elif masks == "bool_both":
        attn = ~_bool_mask(3, 4)  # True: may not attend
        kpm = KPM
        average = False
    elif masks == "float_kpm_3d_attn":
        attn = randn(4, 3, 4)
        kpm = randn(2, 4)
    elif masks == "per_head":
        attn = ~np.stack([_bool_mask(3, 4, s) for s in range(4)])
    a, ta = as_pair(torch, attn)
    p, tp = as_pair(torch, kpm)
    kw = dict(attn_mask=a, key_padding_mask=p, average_attn_weights=average)
    tkw = dict(attn_mask=ta, key_padding_mask=tp, average_attn_weights=average)
    out, w = run_pair(torch, m, tmod, [q, k, v], kw, tkw)
    assert out.shape == q.shape
    S = 4 + cfg.get("add_bias_kv", False) + cfg.get("add_zero_attn", False)
    assert w.shape == ((2, 3, S) if average else (2, 2, 3, S))


def test_multihead_attention_self_attention_causal_and_unbatched_match_torch(torch):
    torch.manual_seed(1)
    tmod = torch.nn.MultiheadAttention(8, 4)
    m = nn.MultiheadAttention(8, 4)
    load(m, tmod)
    x_np = randn(5, 8)  # unbatched (L, E); one tensor as query, key and value
    causal = nn.Transformer.generate_square_subsequent_mask(5)
    tcausal = torch.nn.Transformer.generate_square_subsequent_mask(5)
    x, tx = sg.tensor(x_np, requires_grad=True), torch.tensor(x_np, requires_grad=True)
    out, w = m(x, x, x, attn_mask=causal, is_causal=True)
    tout, tw = tmod(tx, tx, tx, attn_mask=tcausal, is_causal=True)
    assert out.shape == (5, 8) and w.shape == (5, 5)
    close(out, tout)
    close(w, tw)
    gy = randn(5, 8)
    out.backward(sg.tensor(gy))
    tout.backward(torch.tensor(gy))
    close(x.grad, tx.grad)
    tparams = dict(tmod.named_parameters())
    for name, p in m.named_parameters():
        close(p.grad, tparams[name].grad)
    # need_weights=False gives None; the output does not change
    o2, none = m(x, x, x, need_weights=False, attn_mask=causal)
    assert none is None
    close(o2, out)


def test_multihead_attention_init_follows_torch():
    m = nn.MultiheadAttention(32, 4)
    bound = math.sqrt(6 / (32 + 96))  # xavier-uniform of the (96, 32) in_proj_weight
    w = m.in_proj_weight.detach().numpy()
    assert w.shape == (96, 32) and w.dtype == np.float32 and np.abs(w).max() <= bound
    assert abs(w.std() - bound / math.sqrt(3)) < 0.1 * bound
    assert not m.in_proj_bias.detach().numpy().any()
    assert not m.out_proj.bias.detach().numpy().any()
    assert np.abs(m.out_proj.weight.detach().numpy()).max() <= 1 / math.sqrt(32)
    m = nn.MultiheadAttention(8, 2, kdim=3, vdim=5, add_bias_kv=True)
    assert [n for n, _ in m.named_parameters()] == [
        "q_proj_weight", "k_proj_weight", "v_proj_weight", "in_proj_bias", "bias_k", "bias_v",
        "out_proj.weight", "out_proj.bias"]
    assert m.k_proj_weight.shape == (8, 3) and m.bias_k.shape == (1, 1, 8)


def test_multihead_attention_dropout_only_in_training():
    sg.manual_seed(0)
    m = nn.MultiheadAttention(8, 2, dropout=0.5)
    x = sg.randn(6, 3, 8)
    m.eval()
    a, b = m(x, x, x)[0], m(x, x, x)[0]
    close(a, b)
    m.train()
    c = m(x, x, x)[0]
    assert not np.allclose(c.detach().numpy(), a.detach().numpy())


def test_multihead_attention_errors_name_the_layer_and_the_shapes():
    with pytest.raises(ValueError, match=r"MultiheadAttention: embed_dim \(10\).*num_heads \(3\)"):
        nn.MultiheadAttention(10, 3)
    m = nn.MultiheadAttention(8, 2)
    x = sg.randn(3, 2, 8)
    with pytest.raises(ValueError, match=r"MultiheadAttention\(embed_dim=8.*embed_dim 8.*"
                                         r"\(3, 2, 7\)"):
        m(sg.randn(3, 2, 7), x, x)
    with pytest.raises(ValueError, match=r"MultiheadAttention.*attn_mask has shape \(3, 3\).*"
                                         r"\(3, 4\)"):
        m(x, sg.randn(4, 2, 8), sg.randn(4, 2, 8), attn_mask=sg.zeros(3, 3))
    with pytest.raises(ValueError, match=r"MultiheadAttention.*3-D attn_mask has shape "
                                         r"\(2, 3, 3\).*\(4, 3, 3\)"):
        m(x, x, x, attn_mask=sg.zeros(2, 3, 3))
    with pytest.raises(ValueError, match=r"MultiheadAttention.*key_padding_mask has shape "
                                         r"\(2, 5\).*\(2, 3\)"):
        m(x, x, x, key_padding_mask=sg.zeros(2, 5, dtype=sg.bool))
    with pytest.raises(ValueError, match="MultiheadAttention.*key.*same sequence length"):
        m(x, sg.randn(4, 2, 8), sg.randn(5, 2, 8))
    with pytest.raises(ValueError, match="MultiheadAttention.*is_causal=True.*needs attn_mask"):
        m(x, x, x, is_causal=True)
    with pytest.raises(ValueError, match="MultiheadAttention.*3-D.*2-D"):
        m(x, sg.randn(3, 8), sg.randn(3, 8))


# ---------------------------------------------------------------------- transformer layers
LAYER_CONFIGS = [dict(), dict(norm_first=True), dict(activation="gelu"), dict(bias=False),
                 dict(batch_first=True), dict(layer_norm_eps=1e-3, norm_first=True)]


def _src_masks(torch, kind: str, L: int, N: int):
    attn = kpm = None
    if kind in ("causal", "both"):
        attn = nn.Transformer.generate_square_subsequent_mask(L).numpy()
    if kind in ("padding", "both"):
        kpm = np.zeros((N, L), bool)
        kpm[1, L - 2:] = True
    if kind == "bool_attn":
        attn = ~_bool_mask(L, L)
    return as_pair(torch, attn), as_pair(torch, kpm)


@pytest.mark.parametrize("cfg", LAYER_CONFIGS, ids=str)
@pytest.mark.parametrize("masks", ["none", "causal", "padding", "both", "bool_attn"])
def test_transformer_encoder_matches_torch(torch, cfg, masks):
    torch.manual_seed(0)
    tmod = torch.nn.TransformerEncoder(torch.nn.TransformerEncoderLayer(8, 2, 16, **cfg), 2,
                                       norm=torch.nn.LayerNorm(8), enable_nested_tensor=False)
    m = nn.TransformerEncoder(nn.TransformerEncoderLayer(8, 2, 16, **cfg), 2, norm=nn.LayerNorm(8))
    load(m, tmod)
    x = randn(3, 5, 8) if cfg.get("batch_first") else randn(5, 3, 8)
    (a, ta), (p, tp) = _src_masks(torch, masks, 5, 3)
    run_pair(torch, m, tmod, [x], dict(mask=a, src_key_padding_mask=p),
             dict(mask=ta, src_key_padding_mask=tp))


def test_transformer_encoder_layer_alone_unbatched_and_callable_activation_match_torch(torch):
    torch.manual_seed(0)
    tmod = torch.nn.TransformerEncoderLayer(8, 4, 12, activation=torch.nn.functional.silu)
    m = nn.TransformerEncoderLayer(8, 4, 12, activation=F.silu)
    load(m, tmod)
    run_pair(torch, m, tmod, [randn(6, 8)])
    assert list(m.state_dict())[:2] == ["self_attn.in_proj_weight", "self_attn.in_proj_bias"]


@pytest.mark.parametrize("cfg", LAYER_CONFIGS[:5], ids=str)
def test_transformer_matches_torch(torch, cfg):
    torch.manual_seed(0)
    tmod = torch.nn.Transformer(8, 2, 2, 2, 16, **cfg)
    m = nn.Transformer(8, 2, 2, 2, 16, **cfg)
    load(m, tmod)
    bf = cfg.get("batch_first")
    src = randn(3, 5, 8) if bf else randn(5, 3, 8)
    tgt = randn(3, 4, 8) if bf else randn(4, 3, 8)
    mask = nn.Transformer.generate_square_subsequent_mask(4)
    kpm = np.zeros((3, 5), bool)
    kpm[2, 3:] = True
    tgt_kpm = np.zeros((3, 4), bool)
    tgt_kpm[0, 3] = True
    mem_mask = randn(4, 5)
    kw = dict(tgt_mask=mask, src_key_padding_mask=sg.tensor(kpm),
              memory_key_padding_mask=sg.tensor(kpm), tgt_key_padding_mask=sg.tensor(tgt_kpm),
              memory_mask=sg.tensor(mem_mask))
    tkw = dict(tgt_mask=torch.tensor(mask.numpy()), src_key_padding_mask=torch.tensor(kpm),
               memory_key_padding_mask=torch.tensor(kpm),
               tgt_key_padding_mask=torch.tensor(tgt_kpm), memory_mask=torch.tensor(mem_mask))
    run_pair(torch, m, tmod, [src, tgt], kw, tkw, atol=2e-5)


def test_transformer_decoder_layer_alone_matches_torch(torch):
    torch.manual_seed(0)
    tmod = torch.nn.TransformerDecoderLayer(8, 2, 16, norm_first=True)
    m = nn.TransformerDecoderLayer(8, 2, 16, norm_first=True)
    load(m, tmod)
    mask = nn.Transformer.generate_square_subsequent_mask(4)
    run_pair(torch, m, tmod, [randn(4, 2, 8), randn(6, 2, 8)], dict(tgt_mask=mask),
             dict(tgt_mask=torch.tensor(mask.numpy())))


def test_transformer_keys_init_and_square_subsequent_mask_match_torch(torch):
    tm = torch.nn.Transformer(8, 2, 1, 1, 16)
    m = nn.Transformer(8, 2, 1, 1, 16)
    assert list(m.state_dict()) == list(tm.state_dict())
    for name, p in m.named_parameters():
        if p.ndim > 1:  # every matrix re-drawn xavier-uniform, as in PyTorch
            bound = math.sqrt(6 / sum(p.shape[:2]))
            assert np.abs(p.detach().numpy()).max() <= bound, name
    for n in (1, 4):
        close(nn.Transformer.generate_square_subsequent_mask(n),
              torch.nn.Transformer.generate_square_subsequent_mask(n))
    assert nn.Transformer.generate_square_subsequent_mask(3).dtype == np.float32
    layer = nn.TransformerEncoderLayer(8, 2, 16)
    enc = nn.TransformerEncoder(layer, 3)
    assert enc.layers[0].linear1.weight is not enc.layers[1].linear1.weight
    assert enc.layers[0].linear1.weight is not layer.linear1.weight
    np.testing.assert_array_equal(enc.layers[2].linear1.weight.detach().numpy(),
                                  layer.linear1.weight.detach().numpy())


def test_transformer_errors_name_the_layer_and_the_shapes():
    with pytest.raises(ValueError, match=r"TransformerEncoderLayer: d_model \(10\).*nhead \(3\)"):
        nn.TransformerEncoderLayer(10, 3)
    with pytest.raises(ValueError, match=r"TransformerDecoderLayer: d_model \(6\).*nhead \(4\)"):
        nn.TransformerDecoderLayer(6, 4)
    with pytest.raises(ValueError, match="TransformerEncoderLayer: activation.*'tanh'"):
        nn.TransformerEncoderLayer(8, 2, activation="tanh")
    layer = nn.TransformerEncoderLayer(8, 2, 16)
    with pytest.raises(ValueError, match=r"TransformerEncoderLayer\(d_model=8\).*src.*"
                                         r"\(5, 3, 6\)"):
        layer(sg.randn(5, 3, 6))
    with pytest.raises(ValueError, match=r"MultiheadAttention.*attn_mask has shape \(4, 4\).*"
                                         r"\(5, 5\)"):
        layer(sg.randn(5, 3, 8), src_mask=sg.zeros(4, 4))
    model = nn.Transformer(8, 2, 1, 1, 16)
    with pytest.raises(ValueError, match=r"Transformer: the batch number.*\(5, 3, 8\).*"
                                         r"\(4, 2, 8\)"):
        model(sg.randn(5, 3, 8), sg.randn(4, 2, 8))
    with pytest.raises(ValueError, match=r"Transformer: the feature number.*d_model \(8\)"):
        model(sg.randn(5, 3, 8), sg.randn(4, 3, 6))


# ---------------------------------------------------------------------- training
class TinyTagger(nn.Module):
    """Embedding + learned positions + a 2-layer encoder + a per-position classifier."""

    def __init__(self, vocab: int, length: int, d: int = 16) -> None:
        super().__init__()
        self.emb = nn.Embedding(vocab, d)
        self.pos = nn.Parameter(sg.randn(length, d) * 0.1)
        layer = nn.TransformerEncoderLayer(d, 2, 32, dropout=0.0, batch_first=True)
        self.encoder = nn.TransformerEncoder(layer, 2)
        self.head = nn.Linear(d, vocab)

    def forward(self, x, mask=None, kpm=None):
        return self.head(self.encoder(self.emb(x) + self.pos, mask=mask,
                                      src_key_padding_mask=kpm))


def test_tiny_transformer_encoder_learns_to_reverse_sequences():
    sg.manual_seed(0)
    rng = np.random.default_rng(0)
    x = rng.integers(0, 6, (32, 5))
    y = sg.tensor(x[:, ::-1].copy())
    x = sg.tensor(x)
    model = TinyTagger(6, 5)
    opt = optim.Adam(model.parameters(), lr=1e-2)
    losses = []
    for _ in range(40):
        loss = F.cross_entropy(model(x).reshape(-1, 6), y.reshape(-1))
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert all(np.isfinite(losses))
    assert losses[-1] < 0.5 * losses[0], losses
