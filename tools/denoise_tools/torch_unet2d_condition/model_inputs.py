"""Example inputs for a UNet2DConditionModel config: what export.py traces with and forward_time.py times."""
import torch

from denoise_tools.torch_unet2d_condition.unet2d_condition_config import UNet2DConditionConfig

# CLIP's context length: SD's encoder_hidden_states are [B, 77, cross_attention_dim].
CONTEXT_TOKENS = 77


def input_names(config: UNet2DConditionConfig) -> list[str]:
    names = ["sample", "timestep", "encoder_hidden_states"]
    return names + (["timestep_cond"] if config.time_cond_proj_dim is not None else [])


def example_inputs(config: UNet2DConditionConfig, batch: int, height: int, width: int,
                   seed: int = 0) -> tuple[torch.Tensor, ...]:
    """sample [batch, in_channels, height, width] N(0, 1), timestep [batch] float32 in [0, 1000) (whole numbers,
    as the schedulers give), encoder_hidden_states [batch, 77, cross_attention_dim] N(0, 1), and, when the
    config has time_cond_proj_dim, timestep_cond [batch, time_cond_proj_dim] N(0, 1)."""
    if len(set(config.cross_attention_dim)) != 1:
        raise ValueError(f"config key 'cross_attention_dim': got {list(config.cross_attention_dim)}, expected one "
                         "width for every level to build one encoder_hidden_states from")
    g = torch.Generator().manual_seed(seed)
    sample = torch.randn((batch, config.in_channels, height, width), generator=g)
    timestep = torch.randint(0, 1000, (batch,), generator=g).to(torch.float32)
    context = torch.randn((batch, CONTEXT_TOKENS, config.cross_attention_dim[0]), generator=g)
    inputs = [sample, timestep, context]
    if config.time_cond_proj_dim is not None:
        inputs.append(torch.randn((batch, config.time_cond_proj_dim), generator=g))
    return tuple(inputs)
