/**
 * The line protocol between fresh-run-main (the child process) and runInFreshProcess: one JSON object per case,
 * `{"caseName": …, "floatSha256": …}`, checked by one schema on the reading side.
 */
import { z } from 'zod';

const freshReportSchema = z.strictObject({
  caseName: z.string().min(1),
  /** sha256 of the case's x_0 float32 bytes. */
  floatSha256: z.string().regex(/^[0-9a-f]{64}$/),
});

export type FreshReport = z.infer<typeof freshReportSchema>;

/** The line fresh-run-main prints for one case (newline included). */
export function formatFreshReport(report: FreshReport): string {
  return `${JSON.stringify({ caseName: report.caseName, floatSha256: report.floatSha256 })}\n`;
}

/** A report line read back: the report, or why the line is not one (not JSON, or not the report's shape). */
export function parseFreshReport(line: string): { readonly report: FreshReport } | { readonly error: string } {
  let json: unknown;
  try {
    json = JSON.parse(line);
  } catch (error) {
    return { error: `not JSON (${(error as Error).message})` };
  }
  const result = freshReportSchema.safeParse(json);
  if (result.success) return { report: result.data };
  return { error: result.error.issues.map((issue) => `${issue.path.join('.') || 'line'}: ${issue.message}`).join('; ') };
}
