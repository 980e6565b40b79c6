using Game.Server.Auth;
using Game.Server.EventSources;
using Game.Server.FunctionLogs;
using Game.Server.Functions.ControlPlane;
using Game.Server.Games;
using Game.Server.Hosting;
using Game.Server.Ingest;
using Game.Server.Invoke;
using Game.Server.Realtime;
using Game.Server.Storage;

// The path of a sample: phones and producers write to the stream (Ingest), event sources feed it to functions in
// batches (EventSources, Invoke), functions keep scores in the store (Storage), games push them to displays and
// phones (Games, Realtime). docs/architecture.md draws it.
// Settings are read once, at start. Watching appsettings.json for changes watches the whole working folder, and the
// default data folder is inside it: every stream and store write woke the watcher (10-12 % of the server's CPU under
// load, docs/performance.md). A later --hostBuilder:reloadConfigOnChange=true turns it back on.
var builder = WebApplication.CreateBuilder(["--hostBuilder:reloadConfigOnChange=false", .. args]);
builder.AddHosting();
// Serve Game.Web's files from the build output too, not only in Development.
builder.WebHost.UseStaticWebAssets();
builder.AddAuth();
builder.AddGameSilo();
// Before the stream and the event sources: hosted services start in this order, and the store's tables must
// exist before the first lease round reads them.
builder.AddGameStore();
builder.AddIngest();
// Before the event sources: their pollers start from the configuration it read from the store.
builder.AddControlPlane();
builder.AddEventSources();
builder.AddFunctionLogs();
builder.AddInvokeApi();
builder.AddGames();
builder.AddRealtime();

var app = builder.Build();
app.UseHosting();
app.MapHosting();
app.MapIngest();
app.MapEventSources();
app.MapFunctionLogs();
app.MapInvokeApi();
app.MapControlPlane();
app.MapGames();
app.MapRealtime();
app.Run();

/// <summary>The entry point, visible to WebApplicationFactory in tests.</summary>
public partial class Program;
