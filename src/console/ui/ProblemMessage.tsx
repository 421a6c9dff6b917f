import type { ApiError } from '../api/client';
import { roleSentence } from '../auth/session';
import { useSession } from '../session';

type Props = { error: ApiError | null; onReload?: () => void };

/** Shows one control's refusal next to it: the problem's detail, its field list, and a way out where there is one. */
export function ProblemMessage({ error, onReload }: Props) {
  const { claims } = useSession();
  if (error === null) return null;

  if (error.status === 403) {
    return <p class="problem" role="alert">{roleSentence(claims?.role)}</p>;
  }

  if (error.status === 412) {
    return (
      <div class="problem" role="alert">
        <p>This incident changed since you loaded it, so nothing was saved.{error.context.race && ` ${error.context.race}`}</p>
        {onReload && <button type="button" onClick={onReload}>Reload incident</button>}
      </div>
    );
  }

  const { title, detail, errors } = error.problem;
  return (
    <div class="problem" role="alert">
      <p>
        {detail ?? title ?? `Request failed (HTTP ${error.status})`}
        {error.problem.code && <span class="problem-code"> ({error.problem.code})</span>}
      </p>
      {error.context.race && <p class="race">{error.context.race}</p>}
      {errors && errors.length > 0 && (
        <ul class="problem-fields">
          {errors.map((fieldError) => (
            <li key={`${fieldError.path}:${fieldError.message}`}>
              <strong>{fieldError.path || 'request'}</strong>: {fieldError.message}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
