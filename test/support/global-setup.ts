// Vitest's globalSetup (vitest.config.ts): `serverless package` runs once per variant of the stack, all
// variants in parallel, before any test file; the deploy tests read the output through
// test/support/template.ts (`inject('packaged')`), and teardown removes it.
//
// It packages only when the run has a file under test/deploy/ (the files of the run are known before the
// global setup starts), so `npm run test:unit` does not wait for it; in watch mode, a rerun that brings in a
// deploy file packages then. It runs outside the test workers: no runtime import of 'vitest' here.
import { join, relative, sep } from 'node:path';
import type { TestProject } from 'vitest/node';
import { type PackagedService, type PackageOptions, packageService, REPO } from './package-service';

/**
 * Handed to the default packaging run in the ways someone might wire a ServerSecret or a CallbackSecret
 * into the stack; it must not come out anywhere in the template (test/deploy/template-iam.test.ts).
 */
export const SECRET_CANARY = 'c0ffee00deadbeefc0ffee00deadbeef';

/** Each variant of the stack the deploy tests read, by name: one line here packages one more. */
export const VARIANTS = {
  /** No parameters but the secret canaries: what a deploy without overrides gives. */
  default: {
    env: { ZEGO_SERVER_SECRET: SECRET_CANARY, ZEGO_CALLBACK_SECRET: SECRET_CANARY },
    params: { zegoServerSecret: SECRET_CANARY, zegoCallbackSecret: SECRET_CANARY },
  },
  /** test/deploy/template-events-email.test.ts */
  eventsEmail: { params: { eventsEmail: 'recordings@example.com' } },
  /** test/deploy/template-event-bus.test.ts */
  eventBus: { params: { eventBusName: 'recwatch-events', eventBusArchiveDays: '14' } },
} satisfies Record<string, PackageOptions>;

export type VariantName = keyof typeof VARIANTS;

/** Where one variant's packaging put its output. */
export interface PackagedPaths {
  /** The zips and the CloudFormation templates. */
  outDir: string;
  /** cloudformation-template-update-stack.json */
  templatePath: string;
}

declare module 'vitest' {
  export interface ProvidedContext {
    /** Every variant, once packaged; none when the run has no deploy test (see above). */
    packaged: Partial<Record<VariantName, PackagedPaths>>;
  }
}

let services: PackagedService<unknown>[] = [];
let packaging: Promise<void> | undefined;

/** Whether a run of these files needs the package; when the files are not known, it does. */
const needsPackage = (files: readonly string[]): boolean =>
  files.length === 0 || files.some((file) => relative(REPO, file).split(sep).join('/').startsWith('test/deploy/'));

async function packageAll(project: TestProject): Promise<void> {
  const names = Object.keys(VARIANTS) as VariantName[];
  const started = Date.now();
  const results = await Promise.allSettled(names.map((name) => packageService<unknown>(VARIANTS[name])));
  services = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) {
    await teardown();
    throw failed.reason;
  }
  const packaged: Partial<Record<VariantName, PackagedPaths>> = {};
  names.forEach((name, i) => {
    const { outDir } = services[i]!;
    packaged[name] = { outDir, templatePath: join(outDir, 'cloudformation-template-update-stack.json') };
  });
  project.provide('packaged', packaged);
  console.log(`global setup: packaged ${names.join(', ')} in ${Date.now() - started} ms`);
}

export async function setup(project: TestProject): Promise<void> {
  project.provide('packaged', {});
  const ensurePackaged = (files: readonly string[]) => {
    if (!packaging && needsPackage(files))
      // A failed packaging is tried again by the next rerun (watch mode).
      packaging = packageAll(project).catch((error: unknown) => {
        packaging = undefined;
        throw error;
      });
    return packaging;
  };
  // The files of this run are collected before the global setup starts.
  await ensurePackaged(project.vitest.state.getPaths());
  project.onTestsRerun(async (specifications) => {
    await ensurePackaged(specifications.map((s) => s.moduleId));
  });
}

export async function teardown(): Promise<void> {
  const done = services;
  services = [];
  await Promise.all(done.map((service) => service.cleanup()));
}
