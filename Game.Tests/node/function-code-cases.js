// Deploys function code to our server with AWS's own JavaScript SDK (@aws-sdk/client-lambda), in order, and prints one
// JSON object, { caseName: result }, on stdout. Each result is the SDK's answer (without $metadata; Payload as text,
// LogResult decoded into Log) or { error, httpStatus, message }.
// Usage: node function-code-cases.js --endpoint URL --access-key ID --secret KEY --zips DIR --phase deploy|restarted
// DIR holds the zips the test made: hello.zip, bonjour.zip, not-a-zip.zip, no-assembly.zip, no-function.zip.
const fs = require("fs");
const path = require("path");
const lambda = require("@aws-sdk/client-lambda");
const { NodeHttpHandler } = require("@smithy/node-http-handler");

const args = {};
for (let i = 2; i < process.argv.length; i += 2) args[process.argv[i].replace(/^--/, "")] = process.argv[i + 1];

const client = new lambda.LambdaClient({
  endpoint: args.endpoint,
  region: "us-east-1",
  credentials: { accessKeyId: args["access-key"], secretAccessKey: args.secret },
  requestHandler: new NodeHttpHandler(),
  maxAttempts: 1,
});

async function send(command) {
  try {
    const { $metadata, Payload, LogResult, ...answer } = await client.send(command);
    return {
      httpStatus: $metadata.httpStatusCode,
      ...answer,
      ...(Payload ? { Payload: Buffer.from(Payload).toString("utf8") } : {}),
      ...(LogResult ? { Log: Buffer.from(LogResult, "base64").toString("utf8") } : {}),
    };
  } catch (e) {
    return { error: e.name, httpStatus: e.$metadata?.httpStatusCode ?? null, message: e.message };
  }
}

const zip = (name) => fs.readFileSync(path.join(args.zips, name));
const greet = () => send(new lambda.InvokeCommand({ FunctionName: "greeter", Payload: Buffer.from('{"name":"Ada"}'), LogType: "Tail" }));

(async () => {
  const r = {};
  if (args.phase === "restarted") {
    r["get-function"] = await send(new lambda.GetFunctionCommand({ FunctionName: "greeter" }));
    r["invoke"] = await greet();
    process.stdout.write(JSON.stringify(r));
    return;
  }

  const create = (extra) => new lambda.CreateFunctionCommand({
    FunctionName: "greeter", Runtime: "dotnet8", Role: "arn:aws:iam::000000000000:role/lambda-role",
    Handler: "Greeter::Greeter.Function::FunctionHandler", Code: { ZipFile: zip("hello.zip") },
    Timeout: 5, MemorySize: 256, Environment: { Variables: { STAGE: "test" } }, ...extra,
  });
  r["create-bad-runtime"] = await send(create({ Runtime: "python3.12" }));
  r["create-not-a-zip"] = await send(create({ Code: { ZipFile: zip("not-a-zip.zip") } }));
  r["create"] = await send(create({}));
  r["create-again"] = await send(create({}));
  r["list-functions"] = await send(new lambda.ListFunctionsCommand({}));
  r["invoke-cold"] = await greet();
  r["invoke-warm"] = await greet();
  r["update-code"] = await send(new lambda.UpdateFunctionCodeCommand({ FunctionName: "greeter", ZipFile: zip("bonjour.zip") }));
  r["invoke-after-update"] = await greet();
  r["get-function"] = await send(new lambda.GetFunctionCommand({ FunctionName: "greeter" }));
  r["get-configuration"] = await send(new lambda.GetFunctionConfigurationCommand({ FunctionName: "greeter" }));
  r["update-not-a-zip"] = await send(new lambda.UpdateFunctionCodeCommand({ FunctionName: "greeter", ZipFile: zip("not-a-zip.zip") }));
  r["update-no-assembly"] = await send(new lambda.UpdateFunctionCodeCommand({ FunctionName: "greeter", ZipFile: zip("no-assembly.zip") }));
  r["update-no-function"] = await send(new lambda.UpdateFunctionCodeCommand({ FunctionName: "greeter", ZipFile: zip("no-function.zip") }));
  // Over Lambda's 50 MB: random bytes do not compress, so the request is over its limit too.
  r["update-too-big"] = await send(new lambda.UpdateFunctionCodeCommand({ FunctionName: "greeter", ZipFile: require("crypto").randomBytes(51 * 1024 * 1024) }));
  r["update-score-with-json-function"] = await send(new lambda.UpdateFunctionCodeCommand({ FunctionName: "score", ZipFile: zip("hello.zip") }));
  r["update-unknown"] = await send(new lambda.UpdateFunctionCodeCommand({ FunctionName: "no-such-function", ZipFile: zip("hello.zip") }));
  r["invoke-after-refusals"] = await greet();
  process.stdout.write(JSON.stringify(r));
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
