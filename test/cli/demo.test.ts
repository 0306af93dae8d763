import { describe, expect, it } from 'vitest';
import { runCli, tempDir } from './support.js';

describe('recovery-gate demo --once (what `npm start` runs, shortened)', () => {
  it('runs every scripted recovery on the three emulated IdPs to completion, with timelines and masked credentials', async () => {
    const tmp = await tempDir();
    try {
      const result = await runCli(['demo', '--once'], tmp.dir, {}, 420_000);
      expect(result.stderr).toBe('');
      expect(result.stdout).toMatch(/^The gate is running at http:\/\/127\.0\.0\.1:\d+/m);
      for (const idp of ['okta', 'entra', 'keycloak']) {
        expect(result.stdout).toContain(`[${idp}] aliceLostPhone`);
        expect(result.stdout).toContain(`[${idp}] nativeBypass`);
        expect(result.stdout).toContain(`[${idp}] notMeAfterRecovery`);
      }
      // A timeline line per audit record: time, actor, step.
      expect(result.stdout).toMatch(/^ {6}\d\d:\d\d:\d\d\.\d{3} {2}frank {7}case\.opened/m);
      expect(result.stdout).toMatch(/shown once to alice on the verification page/);
      // No character of the credential appears: only its length.
      expect(result.stdout).toMatch(/okta_tac \[\d+ characters, redacted\] shown once to alice/);
      expect(result.stdout).toMatch(/entra_tap \[\d+ characters, redacted\] shown once to alice/);
      expect(result.stdout).not.toMatch(/NOT AS EXPECTED/);
      for (const idp of ['okta', 'entra', 'keycloak'])
        expect(result.stdout).toContain(`[${idp}] breakGlassCarol`);
      expect(result.stdout).toMatch(/review closed by sam as legitimate/);
      // "This wasn't me" after the run: the authenticator bound since is removed and the session refused.
      expect(result.stdout).toMatch(/the authenticator bound since is removed, the session is refused/);
      expect(result.stdout).toMatch(/^(\d+)\/\1 scenarios behaved as expected\.$/m);
      expect(result.code).toBe(0);
    } finally {
      await tmp.remove();
    }
  }, 450_000);
});
