/** XML text escaping, shared by the query-protocol and REST-XML answers (SQS, S3, errors). */

/** Text escaped for XML; `\r` too, so a message body comes back byte for byte (XML parsers normalize newlines). */
export function escapeXml(text: string): string {
  return text.replace(/[<>&'"\r]/g, (char) => {
    switch (char) {
      case '<':
        return '&lt;';
      case '>':
        return '&gt;';
      case '&':
        return '&amp;';
      case "'":
        return '&apos;';
      case '"':
        return '&quot;';
      default:
        return '&#xD;';
    }
  });
}

/** The text an XML element holds: entities (named and numeric) decoded. */
export function unescapeXml(text: string): string {
  return text.replace(/&(#x[0-9a-fA-F]+|#\d+|lt|gt|amp|apos|quot);/g, (_match, entity: string) => {
    if (entity.startsWith('#x')) return String.fromCodePoint(Number.parseInt(entity.slice(2), 16));
    if (entity.startsWith('#')) return String.fromCodePoint(Number.parseInt(entity.slice(1), 10));
    return { lt: '<', gt: '>', amp: '&', apos: "'", quot: '"' }[entity] ?? '';
  });
}
