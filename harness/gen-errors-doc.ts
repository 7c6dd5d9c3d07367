/** `npm run docs:errors`: writes docs/errors.md from the error table (see errors-doc.ts). */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderErrorsDoc } from './errors-doc.js';
import { projectRoot } from './paths.js';

const page = join(projectRoot, 'docs', 'errors.md');
writeFileSync(page, renderErrorsDoc());
console.log(`wrote ${page}`);
