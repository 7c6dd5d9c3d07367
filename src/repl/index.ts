/** The browser-safe REPL side: raw REPL client, board files, boot check, transfers. Node parts live in node/. */
export { RawRepl, type ExecOptions, type ExecResult, type RawReplOptions } from './raw-repl.js';
export { BoardFs, joinBoardPath, tempNameFor, type BoardEntry } from './board-fs.js';
export { bootCheck, parseBanner, describeBoot, diagnoseNoBanner, REPL_BAUD, type BootInfo, type BootCheckOptions, type BootDiagnosis } from './boot-check.js';
export { downloadTree, uploadItems, localTreeItems, verifyOnBoard, type LocalFiles, type LocalEntry, type TransferRecord, type UploadItem, type UploadResult } from './file-transfer.js';
export { localNameFor, localPathFor, type NamePolicy } from './local-names.js';
export { pyStr, pyBytes, parsePyLiteral, parsePyLiterals, type PyValue } from './python-literal.js';
export { parseTraceback, type TracebackInfo } from './traceback.js';
