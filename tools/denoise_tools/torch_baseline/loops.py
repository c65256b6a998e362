"""The two textbook sampling loops in PyTorch, written to match diffusers' DDPMScheduler and DDIMScheduler
for the configuration in scheduler_config.json (linear betas, epsilon prediction, fixed_small variance,
clip_sample, set_alpha_to_one, steps_offset 0).

One definition used by baseline.py and by tools/denoise_tools/train_fixture/export.py (samples.png).
"""
import torch


def alphas_cumprod_from_config(cfg: dict) -> torch.Tensor:
    if cfg.get("beta_schedule", "linear") != "linear":
        raise ValueError(f"beta_schedule {cfg.get('beta_schedule')!r}: only 'linear' is implemented here")
    betas = torch.linspace(cfg["beta_start"], cfg["beta_end"], cfg["num_train_timesteps"], dtype=torch.float32)
    return torch.cumprod(1.0 - betas, dim=0)


def ddim_timesteps(num_train: int, steps: int, spacing: str, steps_offset: int = 0) -> list[int]:
    """diffusers DDIMScheduler.set_timesteps: 'leading' is range(0, T, T//S) reversed (+ offset);
    'trailing' is round(arange(T, 0, -T/S)) - 1."""
    if spacing == "leading":
        ratio = num_train // steps
        return [i * ratio + steps_offset for i in range(steps)][::-1]
    if spacing == "trailing":
        ratio = num_train / steps
        return [int(round(num_train - i * ratio)) - 1 for i in range(steps)]
    raise ValueError(f"spacing {spacing!r}: expected 'leading' or 'trailing'")


def _clip(x0: torch.Tensor, cfg: dict) -> torch.Tensor:
    if cfg.get("clip_sample", True):
        r = cfg.get("clip_sample_range", 1.0)
        return x0.clamp(-r, r)
    return x0


def randn(shape, generator):
    """torch.randn(shape) from one generator, or, from a list of generators (one per image), one draw of
    [1, ...] per image concatenated, as diffusers' randn_tensor does with a list."""
    if isinstance(generator, list):
        return torch.cat([torch.randn((1,) + tuple(shape[1:]), generator=g) for g in generator])
    return torch.randn(shape, generator=generator)


@torch.no_grad()
def ddpm_sample(model, x: torch.Tensor, cfg: dict, generator: torch.Generator, steps: int | None = None):
    """Ancestral DDPM (Ho et al. 2020, Alg. 2) over t = T-1 ... 0 (or a 'leading' sub-sequence of `steps`),
    in diffusers' form: posterior mean from the (clipped) pred_x0 (eq. 7) and sigma_t^2 = beta~_t
    (variance_type 'fixed_small'). The noise z is drawn from `generator` only for t > 0."""
    ac = alphas_cumprod_from_config(cfg).to(x.device)
    num_train = cfg["num_train_timesteps"]
    steps = steps or num_train
    ratio = num_train // steps
    one = torch.tensor(1.0, device=x.device)
    for t in range(steps - 1, -1, -1):
        t = t * ratio
        prev = t - ratio
        tt = torch.full((x.shape[0],), t, dtype=torch.int64, device=x.device)
        eps = model(x, tt)
        a_t = ac[t]
        a_prev = ac[prev] if prev >= 0 else one
        beta_prod_t, beta_prod_prev = 1 - a_t, 1 - a_prev
        alpha_t = a_t / a_prev
        beta_t = 1 - alpha_t
        x0 = _clip((x - beta_prod_t.sqrt() * eps) / a_t.sqrt(), cfg)
        mean = (a_prev.sqrt() * beta_t / beta_prod_t) * x0 + (alpha_t.sqrt() * beta_prod_prev / beta_prod_t) * x
        if t > 0:
            var = (beta_prod_prev / beta_prod_t * beta_t).clamp(min=1e-20)
            z = randn(x.shape, generator).to(x.device)
            mean = mean + var.sqrt() * z
        x = mean
    return x


@torch.no_grad()
def ddim_sample(model, x: torch.Tensor, cfg: dict, steps: int, eta: float = 0.0, spacing: str = "leading",
                generator: torch.Generator | None = None):
    """DDIM (Song et al. 2020, eq. 12) over a spaced sub-sequence; alpha_prev = 1 after the last step
    (set_alpha_to_one). pred_x0 is clipped when clip_sample is set; the direction uses the unclipped eps,
    as diffusers does by default (use_clipped_model_output=False)."""
    ac = alphas_cumprod_from_config(cfg).to(x.device)
    num_train = cfg["num_train_timesteps"]
    ts = ddim_timesteps(num_train, steps, spacing, cfg.get("steps_offset", 0))
    ratio = num_train // steps
    one = torch.tensor(1.0, device=x.device)
    for t in ts:
        prev = t - ratio
        tt = torch.full((x.shape[0],), t, dtype=torch.int64, device=x.device)
        eps = model(x, tt)
        a_t = ac[t]
        a_prev = ac[prev] if prev >= 0 else one
        x0 = _clip((x - (1 - a_t).sqrt() * eps) / a_t.sqrt(), cfg)            # 1. pred_x0
        sigma = eta * ((1 - a_prev) / (1 - a_t) * (1 - a_t / a_prev)).sqrt()  # eq. 16
        direction = (1 - a_prev - sigma ** 2).sqrt() * eps                     # 2. direction
        x = a_prev.sqrt() * x0 + direction                                     # 3. x_prev
        if eta > 0:
            x = x + sigma * randn(x.shape, generator).to(x.device)
    return x
