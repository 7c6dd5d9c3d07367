import { spawn } from 'node:child_process';

/**
 * Opens a URL in the user's default browser (Node only). Best effort: when no opener exists (a server,
 * a container) the caller has already printed the URL, so failure is silent.
 */
export function openBrowser(url: string, platform: NodeJS.Platform = process.platform): void {
  const [command, args] = openerFor(platform, url);
  try {
    const child = spawn(command, args, { stdio: 'ignore', detached: true, windowsHide: true });
    child.on('error', () => {});
    child.unref();
  } catch {
    // no opener on this system: the printed URL is the fallback
  }
}

function openerFor(platform: NodeJS.Platform, url: string): [string, string[]] {
  switch (platform) {
    case 'darwin':
      return ['open', [url]];
    case 'win32':
      // `start` is a cmd built-in; the empty string is the window title it would otherwise take from the URL.
      return ['cmd', ['/c', 'start', '""', url]];
    default:
      return ['xdg-open', [url]];
  }
}
