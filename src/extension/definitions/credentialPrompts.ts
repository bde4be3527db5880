// What a blueprint's credential is, asked of the user (Add Blueprint…, Set Blueprint Credential…): which kind, then
// its details (a secret into a password box, a PEM or PFX through a file picker with its passphrase, a path, an id),
// and a certificate loaded once before anything is saved.
import * as vscode from 'vscode';
import { CredentialError } from '../../core/errors/errors';
import { isGuid } from '../../core/config/config';
import type { CredentialInput } from '../commands/contracts';
import type { CredentialKind } from './definitions';
import { PromptDismissed } from '../errorBoundary';
import { ask, pick } from '../prompts';
import { runWizard, type WizardStep } from '../wizard';
/**
 * Loads the certificate once before anything is saved, through the same core function every token request uses, so
 * an unreadable file, a wrong passphrase or a key that does not match is caught now.
 */
export async function checkCertificate(path: string, passphrase: string | undefined): Promise<void> {
  const { resolveCredential } = await import('../../core/credentials/credentialSource');
  const warnings: string[] = [];
  try {
    await resolveCredential({ kind: 'certificate', path }, '', {
      readSecret: async (name) => (name === 'certificatePassphrase' ? passphrase : undefined),
      warn: (w) => warnings.push(w),
    });
  } catch (e) {
    if (e instanceof CredentialError && e.part === 'certificate')
      throw new CredentialError(
        `Certificate: ${e.problem}`,
        `${e.fix} Choose a PEM file holding the certificate and its private key, or a PFX file.`,
        'certificate',
      );
    throw e;
  }
  if (warnings.length) void vscode.window.showWarningMessage(warnings.join(' '));
}

/**
 * A credential as two wizard steps: its kind (given when known), then its details (given when the kind's are: a
 * secret, a certificate's path, a token file's path; a managed identity's client id is optional).
 */
export function credentialSteps<S extends Partial<CredentialInput>>(current?: CredentialKind): WizardStep<S>[] {
  // What the argument named before anything was asked: a detail it held is kept, one typed here can be typed again.
  let named: ReadonlySet<string> | undefined;
  return [
    {
      given: (s) => s.credentialKind !== undefined,
      ask: async (s, how) => {
        named ??= new Set(Object.keys(s));
        s.credentialKind = await pickCredentialKind(how.titles[0]!, s.credentialKind ?? current, how.back);
      },
    },
    {
      given: (s) => s.credentialKind !== undefined && detailGiven(s),
      ask: async (s, how) => {
        // The kind was asked, and the argument already held its details (a secret, a path): they are kept.
        if (named?.has(DETAIL_FIELD[s.credentialKind!])) return;
        Object.assign(s, await askCredentialDetail(s.credentialKind!, how.titles[0]!, how.back));
      },
    },
  ];
}

/** The field that holds each kind's detail. */
const DETAIL_FIELD: Record<CredentialKind, keyof CredentialInput> = {
  secret: 'clientSecret',
  certificate: 'certificatePath',
  federatedTokenFile: 'federatedTokenFile',
  managedIdentity: 'managedIdentityClientId',
};

function detailGiven(s: Partial<CredentialInput>): boolean {
  // Named in a script's argument counts, even with an undefined value: the command refuses it rather than wait.
  switch (s.credentialKind) {
    case 'secret':
      return 'clientSecret' in s;
    case 'certificate':
      return 'certificatePath' in s;
    case 'federatedTokenFile':
      return 'federatedTokenFile' in s;
    default:
      return true;
  }
}

/** Which credential, then its details: a secret into a password box, a PEM through a file picker, a path, or an id. */
export async function askCredential(title: string, current?: CredentialKind): Promise<CredentialInput> {
  return (await runWizard<Partial<CredentialInput>>(title, {}, credentialSteps(current))) as CredentialInput;
}

async function pickCredentialKind(
  title: string,
  current: CredentialKind | undefined,
  back: boolean,
): Promise<CredentialKind> {
  const kind = await pick(
    [
      {
        label: '$(key) Client secret',
        description: 'for local development',
        credential: 'secret' as const,
        picked: current === 'secret',
      },
      {
        label: '$(file-binary) Certificate',
        description: 'a PEM file with certificate and key, or a PFX',
        credential: 'certificate' as const,
        picked: current === 'certificate',
      },
      {
        label: '$(file) Federated token file',
        description: 'a workload identity token a platform keeps fresh (AKS, CI)',
        credential: 'federatedTokenFile' as const,
        picked: current === 'federatedTokenFile',
      },
      {
        label: '$(azure) Managed identity',
        description: "this machine's Azure identity, trusted by a federated credential",
        credential: 'managedIdentity' as const,
        picked: current === 'managedIdentity',
      },
    ],
    { title, placeHolder: 'How does the blueprint authenticate?', back },
  );
  return kind.credential;
}

async function askCredentialDetail(kind: CredentialKind, detailTitle: string, back: boolean): Promise<CredentialInput> {
  if (kind === 'secret') {
    const clientSecret = await ask({
      title: detailTitle,
      prompt: 'The client secret value (stored in VS Code SecretStorage only)',
      back,
      password: true,
      validate: (v) => {
        if (!v) throw new Error('Give the secret value.');
      },
    });
    return { credentialKind: 'secret', clientSecret };
  }
  if (kind === 'federatedTokenFile') {
    const federatedTokenFile = await ask({
      title: detailTitle,
      prompt: 'Path of the federated token file (read fresh at every use)',
      back,
      value: process.env.AZURE_FEDERATED_TOKEN_FILE ?? '',
      validate: (v) => {
        if (!v.trim()) throw new Error('Give the path of the token file.');
      },
    });
    return { credentialKind: 'federatedTokenFile', federatedTokenFile };
  }
  if (kind === 'managedIdentity') {
    const managedIdentityClientId = await ask({
      title: detailTitle,
      prompt: "A user-assigned identity's client id (leave empty for the system-assigned identity)",
      back,
      validate: (v) => {
        if (v.trim() && !isGuid(v.trim())) throw new Error('A client id is a GUID.');
      },
    });
    return {
      credentialKind: 'managedIdentity',
      ...(managedIdentityClientId.trim() ? { managedIdentityClientId } : {}),
    };
  }
  const { certificatePath, certificatePassphrase } = await askCertificate(detailTitle, back);
  return {
    credentialKind: 'certificate',
    certificatePath,
    ...(certificatePassphrase ? { certificatePassphrase } : {}),
  };
}

export async function askCertificate(
  title: string,
  back = false,
): Promise<{ certificatePath: string; certificatePassphrase?: string }> {
  const files = await vscode.window.showOpenDialog({
    title,
    openLabel: 'Use this certificate',
    canSelectMany: false,
    filters: { 'Certificate and key (PEM, PFX)': ['pem', 'pfx', 'p12'], 'All files': ['*'] },
  });
  const file = files?.[0];
  if (!file) throw new PromptDismissed();
  const passphrase = await ask({
    title,
    prompt: 'Passphrase of the key or PFX password (leave empty if none; stored in SecretStorage only)',
    password: true,
    back,
  });
  return { certificatePath: file.fsPath, ...(passphrase ? { certificatePassphrase: passphrase } : {}) };
}
