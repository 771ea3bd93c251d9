// Finds SentencePiece (subword vocabularies) for the addon, in the documented order:
//   1. SENTENCEPIECE_ROOT (a prefix holding include/ and lib/, e.g. a `cmake --install` of google/sentencepiece)
//   2. pkg-config's sentencepiece (Debian's libsentencepiece-dev)
// A candidate is accepted only with both headers (sentencepiece_processor.h, sentencepiece_trainer.h) and both
// libraries (libsentencepiece, libsentencepiece_train). SENTENCEPIECE_ROOT=none builds without it.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const HEADERS = ['sentencepiece_processor.h', 'sentencepiece_trainer.h'];
const LIBRARIES = ['libsentencepiece.so', 'libsentencepiece_train.so'];

function missingIn(includeDir, libDir) {
  return [
    ...HEADERS.filter((h) => !existsSync(join(includeDir, h))).map((h) => join(includeDir, h)),
    ...LIBRARIES.filter((l) => !existsSync(join(libDir, l))).map((l) => join(libDir, l)),
  ];
}

function pcVersion(libDir) {
  try {
    return /^Version:\s*(\S+)/m.exec(readFileSync(join(libDir, 'pkgconfig', 'sentencepiece.pc'), 'utf8'))?.[1];
  } catch {
    return undefined;
  }
}

function pkgConfig(args) {
  try {
    return execFileSync('pkg-config', [...args, 'sentencepiece'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      timeout: 30_000,
    }).trim();
  } catch {
    return undefined;
  }
}

/**
 * Returns { includeDir, libDir, version, source, searched } when found, else { searched } (`disabled: true` when
 * SENTENCEPIECE_ROOT=none). Throws when SENTENCEPIECE_ROOT names a folder without SentencePiece.
 */
export function findSentencePiece(env = process.env) {
  const searched = [];
  const root = env.SENTENCEPIECE_ROOT;
  if (root === 'none') return { searched: ['SENTENCEPIECE_ROOT=none'], disabled: true };
  if (root) {
    const includeDir = join(root, 'include');
    const libDirs = ['lib', 'lib64', 'lib/x86_64-linux-gnu', 'lib/aarch64-linux-gnu'].map((d) => join(root, d));
    for (const libDir of libDirs) {
      if (missingIn(includeDir, libDir).length === 0) {
        return { includeDir, libDir, version: pcVersion(libDir), source: `SENTENCEPIECE_ROOT=${root}`, searched };
      }
    }
    throw new Error(
      `SENTENCEPIECE_ROOT=${root} lacks ${missingIn(includeDir, libDirs[0]).join(', ')}: point it at a prefix ` +
        'holding include/sentencepiece_*.h and lib/libsentencepiece*.so, or unset it',
    );
  }
  const version = pkgConfig(['--modversion']);
  if (version === undefined) {
    searched.push('pkg-config sentencepiece: not found');
    return { searched };
  }
  const includeDir = pkgConfig(['--variable=includedir']) ?? '';
  const libDir = pkgConfig(['--variable=libdir']) ?? '';
  const missing = missingIn(includeDir, libDir);
  searched.push(`pkg-config sentencepiece ${version}: ${missing.length ? `missing ${missing.join(', ')}` : libDir}`);
  if (missing.length) return { searched };
  return { includeDir, libDir, version, source: 'pkg-config', searched };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const found = findSentencePiece();
  if (!found.includeDir) {
    console.error(`SentencePiece not found. Searched:\n  ${found.searched.join('\n  ')}`);
    process.exit(1);
  }
  console.log(`${found.version ?? 'unknown version'} from ${found.source}: ${found.includeDir}, ${found.libDir}`);
}
