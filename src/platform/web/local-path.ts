/**
 * A path taken from a request, made safe to put in a link on our pages: it must start with
 * exactly one "/" and hold no backslash, space or control character, or it becomes "/".
 * "//evil.example/x" is a link to another host, and browsers read "/\evil.example", and
 * "/<tab>/evil.example" once they drop the tab, the same way.
 */
export function localPath(path: string): string {
  return /^\/(?![/\\])[^\\\u0000-\u0020\u007f]*$/.test(path) ? path : '/';
}
