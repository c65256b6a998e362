import { activation, averagePool2x, conv2d, divideBy, groupNorm, linear, upsampleNearest2x, type ActivationKind, type LayerContext } from './nn-layers.js';

/** The settings a block's resnets share (diffusers passes them from the model config to every ResnetBlock2D). */
export interface ResnetSettings {
  readonly groups: number;
  readonly eps: number;
  readonly act: ActivationKind;
  readonly timeScaleShift: 'default' | 'scale_shift';
  /**
   * The time embedding every resnet's time_emb_proj reads, already through act_fn (diffusers applies the
   * resnet's nonlinearity to temb; computed once for the graph), or none (the VAE's resnets take no temb).
   */
  readonly temb?: { readonly activated: string; readonly channels: number };
}

/** diffusers ResnetBlock2D (with up/down for the 'resnet' resampling blocks). */
export function resnetBlock(
  ctx: LayerContext,
  x: string,
  prefix: string,
  channels: { readonly in: number; readonly out: number },
  settings: ResnetSettings,
  options: { readonly resample?: 'up' | 'down'; readonly outputScaleFactor?: number } = {},
): string {
  const { graph } = ctx;
  const { groups, eps, act } = settings;
  let h = activation(ctx, groupNorm(ctx, x, `${prefix}.norm1`, channels.in, groups, eps), act, prefix);
  let input = x;
  if (options.resample === 'up') {
    input = upsampleNearest2x(ctx, input, prefix);
    h = upsampleNearest2x(ctx, h, prefix);
  } else if (options.resample === 'down') {
    input = averagePool2x(ctx, input, prefix);
    h = averagePool2x(ctx, h, prefix);
  }
  h = conv2d(ctx, h, `${prefix}.conv1`, { in: channels.in, out: channels.out, kernel: 3 });

  const scaleShift = settings.timeScaleShift === 'scale_shift';
  const temb = settings.temb
    ? graph.op(
        'Unsqueeze',
        [linear(ctx, settings.temb.activated, `${prefix}.time_emb_proj`, settings.temb.channels, scaleShift ? 2 * channels.out : channels.out), graph.constant('INT64', [2], [2, 3])],
        {},
        prefix,
      )
    : undefined;
  if (scaleShift && temb) {
    // h = norm2(h) · (1 + scale) + shift, with scale and shift the two halves of the projection.
    const [scale, shift] = graph.opMulti('Split', [temb, graph.constant('INT64', [2], [channels.out, channels.out])], 2, { axis: 1 }, prefix);
    const normed = groupNorm(ctx, h, `${prefix}.norm2`, channels.out, groups, eps);
    const onePlusScale = graph.op('Add', [scale!, graph.constant('FLOAT', [], [1])], {}, prefix);
    h = graph.op('Add', [graph.op('Mul', [normed, onePlusScale], {}, prefix), shift!], {}, prefix);
  } else {
    h = groupNorm(ctx, temb ? graph.op('Add', [h, temb], {}, prefix) : h, `${prefix}.norm2`, channels.out, groups, eps);
  }
  h = conv2d(ctx, activation(ctx, h, act, prefix), `${prefix}.conv2`, { in: channels.out, out: channels.out, kernel: 3 });
  if (channels.in !== channels.out) input = conv2d(ctx, input, `${prefix}.conv_shortcut`, { in: channels.in, out: channels.out, kernel: 1 });
  return divideBy(ctx, graph.op('Add', [input, h], {}, prefix), options.outputScaleFactor ?? 1, prefix);
}

/** diffusers Downsample2D with a conv: padding 0 pads right and bottom by one before the stride-2 convolution. */
export function downsampleConv(ctx: LayerContext, x: string, prefix: string, channels: number, padding: number): string {
  const pads: [number, number, number, number] = padding === 0 ? [0, 0, 1, 1] : [padding, padding, padding, padding];
  return conv2d(ctx, x, `${prefix}.conv`, { in: channels, out: channels, kernel: 3 }, { stride: 2, pads });
}

/** diffusers Upsample2D with a conv: nearest 2× then a 3×3 convolution. */
export function upsampleConv(ctx: LayerContext, x: string, prefix: string, channels: number): string {
  return conv2d(ctx, upsampleNearest2x(ctx, x, prefix), `${prefix}.conv`, { in: channels, out: channels, kernel: 3 });
}
