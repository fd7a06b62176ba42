/** Hands a downloaded answer to the browser as a file (the API's exports come through the client as a Blob). */
export function saveFile(data: Blob | string, filename: string, type: string): void {
  const blob = data instanceof Blob ? data : new Blob([data], { type });
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 0);
}

/** A file-name-safe part: what is not a letter, digit, dot, dash or underscore becomes "_". */
export const fileSafe = (s: string) => s.replace(/[^\p{L}\p{N}._-]+/gu, '_');
