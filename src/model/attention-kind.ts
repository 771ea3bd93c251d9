/** The kinds of attention, apart from the layers (the CLI lists them without loading libtorch). */

/** `none` is the notebook's decoder: the encoder's final state is all it sees of the source. */
export type AttentionKind = 'none' | 'bahdanau' | 'luong-dot' | 'luong-general' | 'luong-concat';

/** Every kind, in the order the CLI lists them. */
export const ATTENTION_KINDS: readonly AttentionKind[] = [
  'none',
  'bahdanau',
  'luong-dot',
  'luong-general',
  'luong-concat',
];

/** Whether `kind` is one of Luong's (the attentional state and, by default, input feeding). */
export function isLuong(kind: AttentionKind): boolean {
  return kind.startsWith('luong-');
}
