#!/usr/bin/env node
// `pnpm bench` (and `denoise bench` through the denoise package): the process around benchMain.
import { endQuietlyWhenStdoutCloses } from '@denoise/cli-options';
import { benchMain } from './bench-main.js';

endQuietlyWhenStdoutCloses();
process.exitCode = await benchMain(process.argv.slice(2));
