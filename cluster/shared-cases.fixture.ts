// Tests only: the example case files in ../shared/cases, beside the repository (CI clones the
// project with shared/ beside it). The project itself never reads them at run time.
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const SHARED_CASES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../shared/cases');
