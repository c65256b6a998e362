"""Example inputs for a UNet2DModel config: what export.py traces with and forward_time.py times."""
import torch

from denoise_tools.torch_unet2d.unet2d_config import UNet2DConfig


def input_names(config: UNet2DConfig) -> list[str]:
    has_class_input = config.class_embed_type is not None or config.num_class_embeds is not None
    return ["sample", "timestep"] + (["class_labels"] if has_class_input else [])


def example_inputs(config: UNet2DConfig, batch: int, seed: int = 0) -> tuple[torch.Tensor, ...]:
    """sample [batch, C, H, W] float32, timestep [batch] (int64 in [0, 1000); float32 noise levels
    in [0.01, 50] for fourier) and, when the config has a class embedding, class_labels."""
    if config.sample_size is None:
        raise ValueError("config key 'sample_size': got None, expected a size to build inputs from")
    height, width = config.sample_size
    g = torch.Generator().manual_seed(seed)
    sample = torch.randn((batch, config.in_channels, height, width), generator=g)
    if config.time_embedding_type == "fourier":
        timestep = torch.exp(torch.empty(batch).uniform_(-4.6, 3.9, generator=g))
    else:
        high = config.num_train_timesteps or 1000
        timestep = torch.randint(0, high, (batch,), generator=g, dtype=torch.int64)
    inputs = [sample, timestep]
    if config.class_embed_type == "identity":
        inputs.append(torch.randn((batch, config.time_embed_dim), generator=g))
    elif config.class_embed_type == "timestep":
        inputs.append(torch.randint(0, config.num_train_timesteps or 1000, (batch,), generator=g, dtype=torch.int64))
    elif config.num_class_embeds is not None:
        inputs.append(torch.randint(0, config.num_class_embeds, (batch,), generator=g, dtype=torch.int64))
    return tuple(inputs)
