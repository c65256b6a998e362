/**
 * JSON.parse for the files Python's `json` module writes with its defaults, as diffusers' `save_config`
 * does: bare `NaN`, `Infinity` and `-Infinity` are numbers there (DPMSolverMultistepScheduler writes
 * `"lambda_min_clipped": -Infinity`). They are read as the strings "NaN", "Infinity", "-Infinity", which
 * the config readers accept where the value may be non-finite; everything else is plain JSON.
 */
export function parsePythonJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    if (!/NaN|Infinity/.test(text)) throw error;
    return JSON.parse(quoteNonFiniteTokens(text));
  }
}

/** Wraps bare NaN / Infinity / -Infinity tokens outside strings in quotes. */
function quoteNonFiniteTokens(text: string): string {
  let out = '';
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (inString) {
      out += c;
      if (c === '\\') out += text[++i] ?? '';
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') {
      inString = true;
      out += c;
      continue;
    }
    const token = /^(-?Infinity|NaN)/.exec(text.slice(i, i + 9))?.[0];
    if (token !== undefined) {
      out += `"${token}"`;
      i += token.length - 1;
      continue;
    }
    out += c;
  }
  return out;
}
