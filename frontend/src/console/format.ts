// Showing numbers, times and raw bytes as text.

export function number(value: number): string {
  return new Intl.NumberFormat("en").format(value);
}

export function when(iso: string | null): string {
  if (!iso) return "—";
  return new Date(iso).toLocaleString([], { dateStyle: "medium", timeStyle: "medium" });
}

/** Text with control characters shown as escapes (`\x1b`, `\u200e`…), so nothing invisible hides in it. */
export function visible(text: string): string {
  // eslint-disable-next-line no-control-regex -- finding control characters is the point
  return text.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2066-\u2069]/g, (char) => {
    const code = char.charCodeAt(0);
    return code < 0x100 ? `\\x${code.toString(16).padStart(2, "0")}` : `\\u${code.toString(16).padStart(4, "0")}`;
  });
}

/** Bytes (given as base64) as text: printable ASCII as it is, every other byte as `\xNN`. */
export function bytesAsText(base64: string): string {
  const bytes = atob(base64);
  let text = "";
  for (let i = 0; i < bytes.length; i += 1) {
    const code = bytes.charCodeAt(i);
    const printable = (code >= 0x20 && code < 0x7f) || code === 0x0a || code === 0x09;
    text += printable ? bytes.charAt(i) : `\\x${code.toString(16).padStart(2, "0")}`;
  }
  return text;
}
