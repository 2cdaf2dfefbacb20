# Pick a device with torch.accelerator, and move a model and its data there.
import torch
import torch.nn as nn

device = (torch.accelerator.current_accelerator()
          if torch.accelerator.is_available() else torch.device("cpu"))
print(f"Using {device} device")

model = nn.Linear(3, 2).to(device)
x = torch.ones(4, 3, device=device)
y = model(x)
print("output_on_device", y.device.type == device.type)
print("param_on_device", next(model.parameters()).device.type == device.type)
print("cpu_device", torch.device("cpu"), torch.device("cpu").type)
print("shape", tuple(y.to("cpu").shape))
