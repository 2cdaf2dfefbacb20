# LBFGS with a closure minimises the Rosenbrock function.
import torch

xy = torch.tensor([-1.5, 2.0], requires_grad=True)
optimizer = torch.optim.LBFGS([xy], lr=1, max_iter=100, line_search_fn="strong_wolfe")


def closure():
    optimizer.zero_grad()
    x, y = xy[0], xy[1]
    loss = (1 - x) ** 2 + 100 * (y - x ** 2) ** 2
    loss.backward()
    return loss


start = closure().item()
for _ in range(5):
    loss = optimizer.step(closure)
print("start", round(start, 3))
print("returns_tensor", isinstance(loss, torch.Tensor))
print("converged", closure().item() < 1e-6)
print("solution", [round(v, 3) for v in xy.tolist()])
