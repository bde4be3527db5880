import { isLoopbackHost } from './config';

/** Entra sign-in hosts of the supported clouds (shared docs §6). */
export const ENTRA_AUTHORITY_HOSTS: readonly string[] = [
  'login.microsoftonline.com',
  'login.microsoftonline.us',
  'login.chinacloudapi.cn',
  'login.partner.microsoftonline.cn',
];

/**
 * Whether a credential may be sent to this authority: the Entra cloud hosts, loopback (the sandbox), and hosts the
 * user added at user level. Workspace-provided configuration never extends this list.
 */
export function isAllowedAuthority(authority: string, extraHosts: readonly string[] = []): boolean {
  let url: URL;
  try {
    url = new URL(authority);
  } catch {
    return false;
  }
  if (isLoopbackHost(url.hostname)) return true;
  if (url.protocol !== 'https:') return false;
  const host = url.hostname.toLowerCase();
  return ENTRA_AUTHORITY_HOSTS.includes(host) || extraHosts.some((h) => h.trim().toLowerCase() === host);
}
