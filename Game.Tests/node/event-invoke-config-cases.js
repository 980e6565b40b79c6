// Runs Lambda's asynchronous invocation configuration operations (Put, Update, Get, List and
// DeleteFunctionEventInvokeConfig) against our server with AWS's own JavaScript SDK, in order, and prints one JSON
// object, { caseName: result }, on stdout. Each result is the SDK's answer (without $metadata, dates as ISO text)
// or { error, httpStatus, message }.
// Usage: node event-invoke-config-cases.js --endpoint URL --access-key ID --secret KEY
const lambda = require("@aws-sdk/client-lambda");
const { NodeHttpHandler } = require("@smithy/node-http-handler");

const args = {};
for (let i = 2; i < process.argv.length; i += 2) args[process.argv[i].replace(/^--/, "")] = process.argv[i + 1];

function client(secret = args.secret) {
  return new lambda.LambdaClient({
    endpoint: args.endpoint,
    region: "us-east-1",
    credentials: { accessKeyId: args["access-key"], secretAccessKey: secret },
    requestHandler: new NodeHttpHandler(),
    maxAttempts: 1,
  });
}

async function send(command, c = client()) {
  try {
    const { $metadata, Payload, ...answer } = await c.send(command);
    if (answer.LastModified instanceof Date) answer.LastModified = answer.LastModified.toISOString();
    for (const config of answer.FunctionEventInvokeConfigs ?? []) {
      if (config.LastModified instanceof Date) config.LastModified = config.LastModified.toISOString();
    }
    return { httpStatus: $metadata.httpStatusCode, ...answer };
  } catch (e) {
    return { error: e.name, httpStatus: e.$metadata?.httpStatusCode ?? null, message: e.message };
  }
}

const dlq = "arn:aws:sqs:us-east-1:000000000000:DeadLetters";

(async () => {
  const r = {};
  const f = "player-rank";
  r["get-before-put"] = await send(new lambda.GetFunctionEventInvokeConfigCommand({ FunctionName: f }));
  r["list-before-put"] = await send(new lambda.ListFunctionEventInvokeConfigsCommand({ FunctionName: f }));
  r["put"] = await send(new lambda.PutFunctionEventInvokeConfigCommand({ FunctionName: f, MaximumRetryAttempts: 1, MaximumEventAgeInSeconds: 300 }));
  r["get"] = await send(new lambda.GetFunctionEventInvokeConfigCommand({ FunctionName: f }));
  r["get-by-arn"] = await send(new lambda.GetFunctionEventInvokeConfigCommand({ FunctionName: `arn:aws:lambda:us-east-1:000000000000:function:${f}` }));
  r["get-latest"] = await send(new lambda.GetFunctionEventInvokeConfigCommand({ FunctionName: f, Qualifier: "$LATEST" }));
  r["get-version"] = await send(new lambda.GetFunctionEventInvokeConfigCommand({ FunctionName: f, Qualifier: "1" }));
  r["update"] = await send(new lambda.UpdateFunctionEventInvokeConfigCommand({ FunctionName: f, MaximumEventAgeInSeconds: 600 }));
  r["update-destination"] = await send(new lambda.UpdateFunctionEventInvokeConfigCommand({ FunctionName: f, DestinationConfig: { OnFailure: { Destination: dlq } } }));
  r["list"] = await send(new lambda.ListFunctionEventInvokeConfigsCommand({ FunctionName: f }));
  r["put-replaces"] = await send(new lambda.PutFunctionEventInvokeConfigCommand({ FunctionName: f, MaximumRetryAttempts: 0 }));
  r["get-after-replace"] = await send(new lambda.GetFunctionEventInvokeConfigCommand({ FunctionName: f }));
  r["put-retries-too-many"] = await send(new lambda.PutFunctionEventInvokeConfigCommand({ FunctionName: f, MaximumRetryAttempts: 3 }));
  r["put-retries-negative"] = await send(new lambda.PutFunctionEventInvokeConfigCommand({ FunctionName: f, MaximumRetryAttempts: -1 }));
  r["put-age-too-small"] = await send(new lambda.PutFunctionEventInvokeConfigCommand({ FunctionName: f, MaximumEventAgeInSeconds: 59 }));
  r["put-age-too-large"] = await send(new lambda.PutFunctionEventInvokeConfigCommand({ FunctionName: f, MaximumEventAgeInSeconds: 21601 }));
  r["put-other-destination"] = await send(new lambda.PutFunctionEventInvokeConfigCommand({
    FunctionName: f, DestinationConfig: { OnFailure: { Destination: "arn:aws:sns:us-east-1:000000000000:alerts" } },
  }));
  r["put-on-success"] = await send(new lambda.PutFunctionEventInvokeConfigCommand({
    FunctionName: f, DestinationConfig: { OnSuccess: { Destination: dlq } },
  }));
  r["get-after-refusals"] = await send(new lambda.GetFunctionEventInvokeConfigCommand({ FunctionName: f }));
  r["put-unknown-function"] = await send(new lambda.PutFunctionEventInvokeConfigCommand({ FunctionName: "no-such-function", MaximumRetryAttempts: 1 }));
  r["get-unknown-function"] = await send(new lambda.GetFunctionEventInvokeConfigCommand({ FunctionName: "no-such-function" }));
  r["delete"] = await send(new lambda.DeleteFunctionEventInvokeConfigCommand({ FunctionName: f }));
  r["get-after-delete"] = await send(new lambda.GetFunctionEventInvokeConfigCommand({ FunctionName: f }));
  r["list-after-delete"] = await send(new lambda.ListFunctionEventInvokeConfigsCommand({ FunctionName: f }));
  r["delete-again"] = await send(new lambda.DeleteFunctionEventInvokeConfigCommand({ FunctionName: f }));
  r["update-creates"] = await send(new lambda.UpdateFunctionEventInvokeConfigCommand({ FunctionName: f, MaximumRetryAttempts: 2 }));
  r["bad-signature"] = await send(new lambda.GetFunctionEventInvokeConfigCommand({ FunctionName: f }), client("wrong-secret"));
  process.stdout.write(JSON.stringify(r));
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
