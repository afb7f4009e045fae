import type { ApiError } from "../api/client";

export function ErrorBanner({ error, onRetry }: { error: ApiError | Error; onRetry?: () => void }) {
  const code = "errorCode" in error ? error.errorCode : null;
  return (
    <div className="error-banner" role="alert">
      <p>
        {code && <strong>{code}: </strong>}
        {error.message}
      </p>
      {onRetry && (
        <button type="button" className="secondary" onClick={onRetry}>
          Try again
        </button>
      )}
    </div>
  );
}
