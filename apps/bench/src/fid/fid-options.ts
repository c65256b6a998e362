import { InvalidArgumentError, Option } from 'commander';
import { FID_PROTOCOLS, type FidProtocol } from '@denoise/image';
import { parseFeaturesOption } from './feature-space.js';

/** The FID protocol when none is named: clean-fid's, whose resize does not alias (Parmar et al. 2022). */
export const DEFAULT_FID_PROTOCOL: FidProtocol = 'clean';

const featuresValue = (value: string) => {
  try {
    return parseFeaturesOption(value);
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message.replace(/^--features \S+: /, ''));
  }
};

/** `--features inception:FILE | onnx:FILE`. */
export const featuresOption = () =>
  new Option(
    '--features <kind:file>',
    "FID's feature extractor: inception:FILE (pytorch-fid's Inception-v3 weights, pt_inception-2015-12-05-6726825d.pth, as in its torch cache) or onnx:FILE (your ONNX extractor; FILE's .json beside it declares input size and normalisation)",
  ).argParser(featuresValue);

/** `--fid-protocol pytorch-fid | clean | torch-fidelity`. */
export const protocolOption = () =>
  new Option('--fid-protocol <name>', "how images are resized and normalised for the extractor, reproducing that tool: pytorch-fid (bilinear), clean (clean-fid's PIL bicubic), torch-fidelity (TF1 bilinear)")
    .choices([...FID_PROTOCOLS])
    .default(DEFAULT_FID_PROTOCOL);
