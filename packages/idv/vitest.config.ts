import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'idv',
    include: ['src/**/*.test.ts', 'emulator/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
