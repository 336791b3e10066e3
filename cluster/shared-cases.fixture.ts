// Tests only: the project's example case files, copied from the shared examples into the repository
// (cluster/fixtures/cases), so a clone with nothing beside it runs every test. The project itself
// never reads them at run time.
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const SHARED_CASES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), 'fixtures/cases');
