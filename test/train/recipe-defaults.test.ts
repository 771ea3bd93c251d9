/**
 * Subword runs take the recipe of the README's quality table on real text where their options are silent (Adam at
 * 0.002, dropout 0.3, label smoothing 0.1, plateau with patience 0); word runs keep the notebook's defaults, and
 * options given win.
 */
import { describe, expect, it } from 'vitest';
import { REAL_TEXT_RECIPE, withRealTextRecipe } from '../../src/train/recipe-defaults.js';

describe('the real-text recipe', () => {
  it('fills what a subword run leaves out', () => {
    expect(withRealTextRecipe({ vocab: 'subword' })).toEqual({ vocab: 'subword', ...REAL_TEXT_RECIPE });
    expect(withRealTextRecipe({ sourceSpm: 'a.model', targetSpm: 'b.model' })).toMatchObject(REAL_TEXT_RECIPE);
  });

  it('leaves word runs and the notebook modes as they are', () => {
    expect(withRealTextRecipe({ maxVocab: 30000 })).toEqual({ maxVocab: 30000 });
    expect(withRealTextRecipe({ vocab: 'word' })).toEqual({ vocab: 'word' });
    expect(withRealTextRecipe({ vocab: 'subword', mode: 'fused' })).toEqual({ vocab: 'subword', mode: 'fused' });
  });

  it('lets the options given win, and fills only what goes with them', () => {
    expect(withRealTextRecipe({ vocab: 'subword', lr: 0.001, dropout: 0 })).toMatchObject({ lr: 0.001, dropout: 0 });
    // SGD's rate is of another scale; a schedule given keeps its own settings; no plateau without held-out pairs.
    expect(withRealTextRecipe({ vocab: 'subword', optimizer: 'sgd' }).lr).toBeUndefined();
    const step = withRealTextRecipe({ vocab: 'subword', lrSchedule: 'step' });
    expect(step).toMatchObject({ lrSchedule: 'step', dropout: 0.3 });
    expect(step.lrPatience).toBeUndefined();
    const noValidation = withRealTextRecipe({ vocab: 'subword', validFraction: 0 });
    expect(noValidation.lrSchedule).toBeUndefined();
    expect(noValidation.lrPatience).toBeUndefined();
  });
});
