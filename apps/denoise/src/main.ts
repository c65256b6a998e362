#!/usr/bin/env node
// `denoise COMMAND …`: one command for what the repository runs as pnpm sample, pnpm bench and pnpm test:golden.
// Each command's module is loaded only when it is asked for, so `denoise sample` pays nothing for the bench.
import { endQuietlyWhenStdoutCloses } from '@denoise/cli-options';
import { versionLine } from '@denoise/repo-layout';

const USAGE = `Usage: denoise <command> [options]

Commands:
  sample   generate images with a diffusion model (denoise sample --help)
  bench    the quality-speed table of samplers; bench merge, bench compare (denoise bench --help)
  golden   check a model's images against golden PNGs: denoise golden --manifest FILE [--update] (denoise golden --help)

  version  print denoise's version and the commit it was built from (also -V, --version)

Options:
  -V, --version  print denoise's version and the commit it was built from
  -h, --help     print this help

Exit codes: 0 ok, 1 failure, 2 bad usage or unusable input, 128 + N interrupted by signal N.
`;

const COMMANDS: Readonly<Record<string, () => Promise<(argv: readonly string[]) => Promise<number>>>> = {
  sample: async () => (await import('@denoise/cli')).sampleMain,
  bench: async () => {
    const { benchMain } = await import('@denoise/bench');
    return (argv) => benchMain(argv, 'denoise bench');
  },
  golden: async () => (await import('@denoise/regression')).goldenMain,
};

async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  // `version` too: npx takes `npx denoise --version` for its own flag and prints npm's version.
  if (command === '--version' || command === '-V' || command === 'version') {
    process.stdout.write(`${versionLine()}\n`);
    return 0;
  }
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    (command === undefined ? process.stderr : process.stdout).write(USAGE);
    return command === undefined ? 2 : 0;
  }
  const load = Object.hasOwn(COMMANDS, command) ? COMMANDS[command] : undefined;
  if (load === undefined) {
    process.stderr.write(`denoise: unknown command '${command.slice(0, 80)}'; the commands are ${Object.keys(COMMANDS).join(', ')} (denoise --help)\n`);
    return 2;
  }
  return (await load())(rest);
}

endQuietlyWhenStdoutCloses();
process.exitCode = await main(process.argv.slice(2));
