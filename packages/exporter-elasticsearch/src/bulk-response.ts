import type { EcsDocument } from '@elkhound/ecs';

/** What Elasticsearch said about one document of a bulk request. */
export type ItemOutcome =
  | { kind: 'created' }
  | { kind: 'duplicate' } // 409: a document with this _id is already there — a replay, so success
  | { kind: 'retryable'; status: number; errorType: string; reason: string }
  // 401/403: the credentials, not the document. It waits for a good key, never dead-lettered.
  | { kind: 'unauthorized'; status: number; errorType: string; reason: string }
  | { kind: 'rejected'; status: number; errorType: string; reason: string };

export interface RejectedDocument {
  document: EcsDocument;
  status: number;
  errorType: string;
  reason: string;
  /** What a person can do about it. */
  hint: string;
}

interface BulkItemError {
  type?: string;
  reason?: string;
  caused_by?: { type?: string; reason?: string };
}
interface BulkResponseBody {
  errors?: boolean;
  items?: Array<Record<string, { status?: number; error?: BulkItemError }>>;
}

/** Per-document outcomes of a 200 `_bulk` answer (as the client parsed it), in request order. */
export function parseBulkResponse(body: unknown, count: number): ItemOutcome[] {
  if (body === null || typeof body !== 'object') {
    throw new Error('Elasticsearch answered the bulk request with a body that is not JSON');
  }
  const items = (body as BulkResponseBody).items ?? [];
  if (items.length !== count) {
    throw new Error(`Elasticsearch answered ${items.length} bulk items for ${count} documents`);
  }
  const outcomes: ItemOutcome[] = new Array(count);
  for (let index = 0; index < count; index++) {
    const item = items[index] ?? {};
    const result = item.create ?? Object.values(item)[0] ?? {};
    if (result.status === 201) {
      outcomes[index] = CREATED;
      continue;
    }
    outcomes[index] = classifyItem(result.status ?? 0, result.error);
  }
  return outcomes;
}

// Nearly every item of an answer is one of these: shared, not made per document.
const CREATED: ItemOutcome = Object.freeze({ kind: 'created' });
const DUPLICATE: ItemOutcome = Object.freeze({ kind: 'duplicate' });

export function classifyItem(status: number, error?: BulkItemError): ItemOutcome {
  if (status >= 200 && status < 300) return CREATED;
  if (status === 409) return DUPLICATE;
  const errorType = error?.type ?? `http_${status}`;
  const reason =
    [error?.reason, error?.caused_by?.reason].filter(Boolean).join(': ') || 'no reason given';
  if (isRetryableStatus(status)) return { kind: 'retryable', status, errorType, reason };
  if (isAuthorizationStatus(status)) return { kind: 'unauthorized', status, errorType, reason };
  return { kind: 'rejected', status, errorType, reason };
}

export function isRetryableStatus(status: number): boolean {
  return status === 429 || status === 502 || status === 503 || status === 504 || status >= 500;
}

/** 401 (credentials refused: wrong, expired or revoked) and 403 (a privilege missing). */
export function isAuthorizationStatus(status: number): boolean {
  return status === 401 || status === 403;
}

/**
 * What to tell a person about a 401/403, with Elasticsearch's reason (it names the action, the
 * privileges that grant it and, for most actions, the index) and the data stream written to.
 */
export function authorizationProblem(
  status: number,
  reason: string,
  dataStream: string | undefined,
): string {
  const where = dataStream ? ` writing to ${dataStream}` : '';
  const what =
    status === 401
      ? 'Elasticsearch refused the credentials (401: wrong, expired or revoked key or password)'
      : 'the credentials lack a privilege (403)';
  return `${what}${where}: ${reason}; documents wait in the queue until the credentials are fixed (see elkhound setup --print-roles)`;
}

export function hintFor(errorType: string, reason: string): string {
  if (errorType === 'document_parsing_exception' || errorType === 'mapper_parsing_exception') {
    return /failed to parse field|mapper \[/.test(reason)
      ? 'mapping conflict: a field holds a value of another type than its mapping; fix the template or the attribute, then replay the document from the dead-letter queue'
      : 'the document does not fit the mapping; check the index template, then replay';
  }
  if (errorType === 'strict_dynamic_mapping_exception') {
    return 'the mapping is strict and the document has a field it does not declare; add it to the template, then replay';
  }
  if (errorType === 'illegal_argument_exception' && /limit of total fields/.test(reason)) {
    return 'too many distinct fields: raise index.mapping.total_fields.limit or send fewer distinct attributes';
  }
  if (errorType === 'index_not_found_exception' || errorType === 'invalid_index_name_exception') {
    return 'the data stream cannot be created: check the index templates (elkhound setup) and the namespace';
  }
  if (errorType === 'security_exception') {
    return 'the credentials may not write to this data stream: grant create_doc and auto_configure on traces-elkhound-*, logs-elkhound-*, metrics-elkhound-*';
  }
  return 'Elasticsearch refused this document for good; it will not succeed when retried as it is';
}
