/**
 * The API Gateway notes API as the shared app, `pnpm start`, the tests and the playground see it.
 */
import type { IntegrationDescriptor } from '@triggers/kit';
import { ApiGatewayStack } from './stack.ts';

/** A password the user pool's policy accepts: 12+ characters with upper and lower case, a digit and a symbol. */
export const SAMPLE_PASSWORD = 'Correct-Horse-42';

/** The user pool and app client a sample request signs in with. */
const SIGNED_IN = { userPoolOutput: 'UserPoolId', clientOutput: 'UserPoolClientId' };

export const integration: IntegrationDescriptor = {
  name: 'api-gateway',
  title: 'API Gateway → Lambda: a notes API behind Cognito',
  stackId: 'Triggers-ApiGateway',
  createStack: (scope, id) => new ApiGatewayStack(scope, id),
  commandsBefore: (outputs) => [
    '# sign up, confirm (as an administrator), and sign in: the ID token goes into $TOKEN',
    `aws cognito-idp sign-up --client-id ${outputs.UserPoolClientId} --username alice --password '${SAMPLE_PASSWORD}'`,
    `aws cognito-idp admin-confirm-sign-up --user-pool-id ${outputs.UserPoolId} --username alice`,
    `TOKEN=$(aws cognito-idp initiate-auth --client-id ${outputs.UserPoolClientId} --auth-flow USER_PASSWORD_AUTH ` +
      `--auth-parameters 'USERNAME=alice,PASSWORD=${SAMPLE_PASSWORD}' --query AuthenticationResult.IdToken --output text)`,
  ],
  samples: [
    {
      name: 'note',
      description: 'Create a note as the signed-in user: 201 with the note and its ETag.',
      input: {
        kind: 'http-request',
        apiOutput: 'ApiUrl',
        method: 'POST',
        path: '/notes',
        body: JSON.stringify({ id: 'groceries', title: 'Groceries', body: 'milk' }),
        signedIn: SIGNED_IN,
      },
      effect: { output: 'TableName', description: "the note, under the user's id" },
      poison: {
        description: 'A note without a title: 400 application/problem+json naming the field, nothing stored.',
        input: {
          kind: 'http-request',
          apiOutput: 'ApiUrl',
          method: 'POST',
          path: '/notes',
          body: JSON.stringify({ body: 'no title' }),
          signedIn: SIGNED_IN,
        },
        failure: { output: 'ApiUrl', description: 'the 400 answer, application/problem+json' },
      },
    },
  ],
  commandsAfter: (outputs) => {
    const api = outputs.ApiUrl;
    const auth = '-H "Authorization: Bearer $TOKEN"';
    const json = "-H 'Content-Type: application/json'";
    return [
      '# list, read (note the ETag), update with If-Match; the same If-Match again is stale: 412',
      `curl -s ${api}/notes ${auth}`,
      `curl -si ${api}/notes/groceries ${auth}`,
      `curl -s -X PUT ${api}/notes/groceries ${auth} ${json} -H 'If-Match: "1"' -d '{"title":"Groceries","body":"milk, eggs"}'`,
      `curl -s -X PUT ${api}/notes/groceries ${auth} ${json} -H 'If-Match: "1"' -d '{"title":"Groceries","body":"oops"}'`,
    ];
  },
};
