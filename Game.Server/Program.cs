using Game.Server.Auth;
using Game.Server.EventSources;
using Game.Server.FunctionLogs;
using Game.Server.Games;
using Game.Server.Hosting;
using Game.Server.Ingest;
using Game.Server.Ingest.Kinesis;
using Game.Server.Invoke;
using Game.Server.Realtime;
using Game.Server.Storage;

var builder = WebApplication.CreateBuilder(args);
builder.AddSettingsBesideBinary();
// Serve Game.Web's files from the build output too, not only in Development.
builder.WebHost.UseStaticWebAssets();

builder.AddGameSilo();
builder.AddGameStore();
builder.AddIngest();
builder.AddKinesisApi();
builder.AddFunctions();
builder.AddFunctionLogs();
builder.AddInvokeApi();
builder.AddRealtime();
builder.AddTelemetry();
builder.AddBadRequestAnswers();
builder.AddPagesAndHealth();
builder.AddClientRateLimits();
builder.AddPresenterKey();

var app = builder.Build();
app.UseSecurityHeaders();
app.UseBadRequestAnswers();
app.UseClientRateLimits();
app.MapPages();
app.MapGameApi();
app.MapJoinQrCode();
app.MapJoinLink();
app.MapDeadLetterApi();
app.MapFunctionLogs();
app.MapKinesisApi();
app.MapInvokeApi();
app.MapGameHistoryApi();
app.MapRealtime();
app.MapTelemetry();
app.AnnouncePresenterUrl();
app.AnnounceJoinUrls();
app.WarnAboutDevelopmentKeys();
app.Run();

/// <summary>The entry point, visible to WebApplicationFactory in tests.</summary>
public partial class Program;
