/**
 * The decoders' bounds, in a module of their own that loads nothing (the command line's parsers use them before
 * the addon is loaded). A sentence that never emits `<eos>` costs `MAX_DECODE_LENGTH` steps: an absurd limit
 * would be a hang, not a translation.
 */
export const MAX_DECODE_LENGTH = 10_000;
/** The widest beam: beams x vocabulary scores are kept per sentence and step. */
export const MAX_BEAM = 1024;
