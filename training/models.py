"""The vanilla GAN of the original post: an MLP generator and discriminator.

Parameter names (hidden0.0.weight ... out.0.bias) follow the classic PyTorch vanilla-GAN code, so a
state_dict saved from this module is exactly what fontgan-convert expects of "a real generator".
"""
import torch
from torch import nn

from atomic import replacing

LATENT = 100
PIXELS = 28 * 28


class Generator(nn.Module):
    """z (n, 100) -> image (n, 784) in [-1, 1]."""

    def __init__(self, latent=LATENT, hidden=(256, 512, 1024), pixels=PIXELS, slope=0.2):
        super().__init__()
        sizes = (latent,) + tuple(hidden)
        for i in range(len(hidden)):
            setattr(self, f"hidden{i}", nn.Sequential(nn.Linear(sizes[i], sizes[i + 1]), nn.LeakyReLU(slope)))
        self.depth = len(hidden)
        self.out = nn.Sequential(nn.Linear(sizes[-1], pixels), nn.Tanh())

    def forward(self, z):
        for i in range(self.depth):
            z = getattr(self, f"hidden{i}")(z)
        return self.out(z)


class Discriminator(nn.Module):
    """image (n, 784) -> logit (n, 1). (The post ends in Sigmoid + BCELoss; BCEWithLogits is the same loss,
    computed stably.)"""

    def __init__(self, pixels=PIXELS, hidden=(1024, 512, 256), slope=0.2, dropout=0.3):
        super().__init__()
        layers, prev = [], pixels
        for h in hidden:
            layers += [nn.Linear(prev, h), nn.LeakyReLU(slope), nn.Dropout(dropout)]
            prev = h
        layers.append(nn.Linear(prev, 1))
        self.net = nn.Sequential(*layers)

    def forward(self, x):
        return self.net(x)


def save_grid(images, path, cols=16):
    """Save (n, 784) images in [-1, 1] (tensor or array) as one PNG grid, white ink on black."""
    import numpy as np
    from PIL import Image
    a = images.detach().cpu().numpy() if hasattr(images, "detach") else np.asarray(images)
    a = ((a.reshape(-1, 28, 28) + 1) * 127.5).clip(0, 255).astype(np.uint8)
    n = len(a)
    rows = (n + cols - 1) // cols
    grid = np.zeros((rows * 30, cols * 30), np.uint8)
    for k in range(n):
        r, c = divmod(k, cols)
        grid[r * 30 + 1: r * 30 + 29, c * 30 + 1: c * 30 + 29] = a[k]
    with replacing(path, ".png") as tmp:  # PIL picks the format from the extension
        Image.fromarray(grid).save(tmp)
