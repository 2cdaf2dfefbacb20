# A custom torch.autograd.Function with ctx.save_for_backward.
import torch


class MyExp(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        result = x.exp()
        ctx.save_for_backward(result)
        return result

    @staticmethod
    def backward(ctx, grad_output):
        (result,) = ctx.saved_tensors
        return grad_output * result


class ScaleBy(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, factor):
        ctx.factor = factor
        return x * factor

    @staticmethod
    def backward(ctx, grad_output):
        return grad_output * ctx.factor, None


x = torch.tensor([0.0, 1.0, 2.0], requires_grad=True)
y = MyExp.apply(x)
z = ScaleBy.apply(y, 3.0).sum()
z.backward()
print("y", [round(v, 4) for v in y.tolist()])
print("grad", [round(v, 4) for v in x.grad.tolist()])
print("matches_builtin", torch.allclose(x.grad, 3 * torch.exp(x)))
print("requires_grad", y.requires_grad)
print("grad_fn_is_custom", "MyExp" in type(y.grad_fn).__name__)
