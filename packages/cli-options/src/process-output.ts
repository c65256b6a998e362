/**
 * A reader that stops early (`denoise … --help | head`) closes the pipe: that ends the output with the exit code set
 * so far, not in a stack trace. Installed once by each command's entry point.
 */
export function endQuietlyWhenStdoutCloses(): void {
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
    process.exit(typeof process.exitCode === 'number' ? process.exitCode : 0);
  });
}
