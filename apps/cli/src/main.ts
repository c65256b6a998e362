#!/usr/bin/env node
// `pnpm sample` (and `denoise sample` through the denoise package): the process around sampleMain.
import { endQuietlyWhenStdoutCloses } from '@denoise/cli-options';
import { sampleMain } from './sample-main.js';

endQuietlyWhenStdoutCloses();
process.exitCode = await sampleMain(process.argv.slice(2));
