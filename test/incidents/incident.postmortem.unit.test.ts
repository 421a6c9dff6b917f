/** The postmortem scaffold: written once resolved, drafted on the first word, published only when complete. */
import { InvalidTransition, PostmortemIncomplete } from '../../src/incidents/incident.errors';
import type { ActionItem, PostmortemUpdated } from '../../src/incidents/incident.events';
import { given } from './given';
import { at, historyOf, incidentId, postmortem } from './fixtures';

const updated = (data: Omit<PostmortemUpdated['data'], 'incidentId' | 'updatedAt'>, updatedAt = at(10)): PostmortemUpdated =>
  ({ type: 'PostmortemUpdated', data: { incidentId, updatedAt, ...data } });

const fix: ActionItem = { id: 'ai-1', text: 'alert at 80% disk', owner: 'user-bob', done: false };
const complete = { summary: 'the log partition filled', impact: 'checkout down 12 minutes', rootCause: 'log rotation was off' };
const resolvedWithDraft = [...historyOf.resolved, updated({ status: 'draft', summary: complete.summary }, at(5))];

describe('updating a postmortem', () => {
  it('writing into an untouched postmortem makes it a draft and records only what was written', () => {
    const state = given(historyOf.resolved)
      .when(postmortem(at(10), { summary: complete.summary, actionItems: [fix] }))
      .then([updated({ status: 'draft', summary: complete.summary, actionItems: [fix] })]);
    expect(state.state !== 'none' && state.postmortem).toEqual({ status: 'draft', summary: complete.summary, impact: null, rootCause: null, actionItems: [fix] });
  });

  it('later writes keep the status and merge with what is there', () => {
    const state = given(resolvedWithDraft).when(postmortem(at(10), { impact: complete.impact })).then([updated({ status: 'draft', impact: complete.impact })]);
    expect(state.state !== 'none' && state.postmortem).toMatchObject({ status: 'draft', summary: complete.summary, impact: complete.impact });
  });

  it('publishing a complete postmortem records the status and the fields it changed', () => {
    const state = given(resolvedWithDraft)
      .when(postmortem(at(10), { status: 'published', impact: complete.impact, rootCause: complete.rootCause }))
      .then([updated({ status: 'published', impact: complete.impact, rootCause: complete.rootCause })]);
    expect(state.state !== 'none' && state.postmortem.status).toBe('published');
  });

  it('publishing names every missing field', () => {
    const error = given(historyOf.closed).when(postmortem(at(10), { status: 'published', impact: complete.impact })).thenThrows(PostmortemIncomplete);
    expect(error.missingFields).toEqual(['summary', 'rootCause']);
  });

  it('a blank field counts as missing when publishing', () => {
    const error = given(resolvedWithDraft)
      .when(postmortem(at(10), { status: 'published', impact: '   ', rootCause: complete.rootCause }))
      .thenThrows(PostmortemIncomplete);
    expect(error.missingFields).toEqual(['impact']);
  });

  it('clearing a field of a published postmortem is refused, since it would stay published', () => {
    const published = [...historyOf.resolved, updated({ status: 'published', ...complete }, at(5))];
    const error = given(published).when(postmortem(at(10), { rootCause: null })).thenThrows(PostmortemIncomplete);
    expect(error.missingFields).toEqual(['rootCause']);
  });

  it('a postmortem can be waived without content', () => {
    given(historyOf.resolved).when(postmortem(at(10), { status: 'waived' })).then([updated({ status: 'waived' })]);
  });

  it('saving what is already there records nothing', () => {
    given(resolvedWithDraft).when(postmortem(at(10), { status: 'draft', summary: complete.summary, actionItems: [] })).then([]);
    given(historyOf.resolved).when(postmortem(at(10), { summary: null })).then([]);
    given(historyOf.resolved).when(postmortem(at(10), {})).then([]);
  });

  it('an action item that changed is a change', () => {
    const withFix = [...historyOf.resolved, updated({ status: 'draft', actionItems: [fix] }, at(5))];
    given(withFix).when(postmortem(at(10), { actionItems: [fix] })).then([]);
    given(withFix).when(postmortem(at(10), { actionItems: [{ ...fix, done: true }] })).then([updated({ status: 'draft', actionItems: [{ ...fix, done: true }] })]);
  });

  it('a postmortem of an incident that is still being handled is refused', () => {
    given(historyOf.open).when(postmortem(at(10), { summary: 'too early' })).thenThrows(InvalidTransition);
    given(historyOf.acknowledged).when(postmortem(at(10), { summary: 'too early' })).thenThrows(InvalidTransition);
  });
});
