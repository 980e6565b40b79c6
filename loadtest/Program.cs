using LoadTest;
using LoadTest.Options;
using LoadTest.Reporting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

if (LoadOptionsParser.IsHelp(args))
{
    Console.WriteLine(LoadOptionsParser.Usage);
    return (int)Outcome.Passed;
}

LoadOptions options;
try
{
    options = LoadOptionsParser.Parse(args, Environment.GetEnvironmentVariable);
}
catch (OptionsException ex)
{
    Console.Error.WriteLine(ex.Message);
    Console.Error.WriteLine();
    Console.Error.WriteLine(LoadOptionsParser.Usage);
    return (int)Outcome.BadOptions;
}

if (FileLimits.Problem(options, FileLimits.OpenFiles()) is { } tooManyFiles)
{
    Console.Error.WriteLine(tooManyFiles);
    return (int)Outcome.BadOptions;
}

// No args for the host: they are parsed above, and the command-line configuration provider would misread the flags.
// Settings files are read once, not watched: the watcher covers the working folder recursively, and a server run in
// the same folder writes its data/ there, which woke the tool's watcher thousands of times a second (its FileInfo
// and path strings were 5 % of what the tool allocated at 2,000 phones; docs/performance.md, "The load tool's own CPU").
var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = ["--hostBuilder:reloadConfigOnChange=false"] });
builder.Logging.ClearProviders();
builder.Logging.AddSimpleConsole(o =>
{
    o.SingleLine = true;
    o.TimestampFormat = "HH:mm:ss ";
});
builder.Logging.AddFilter("Microsoft", LogLevel.Warning);
// While the live table owns the terminal, only errors are printed (warnings are counted by kind in the table).
builder.Logging.AddFilter((_, _, level) => level >= LogLevel.Error || !ProgressView.LiveActive);
builder.Services.AddLoadTest(options);

using var host = builder.Build();
await host.StartAsync();

// Ctrl+C stops the application: the runner sees ApplicationStopping, stops the round and reports what ran.
var lifetime = host.Services.GetRequiredService<IHostApplicationLifetime>();
if (options.FindMax)
{
    var (steps, highest) = await new FindMax(options, TimeProvider.System, host.Services.GetRequiredService<ILoggerFactory>(), host.Services.GetRequiredService<ProgressView>()).RunAsync(lifetime.ApplicationStopping);
    var table = FindMax.Table(steps, highest);
    Console.WriteLine(table);
    if (options.ReportDirectory is { } findMaxDirectory)
    {
        Directory.CreateDirectory(findMaxDirectory);
        await File.WriteAllTextAsync(Path.Combine(findMaxDirectory, "find-max.md"), "# find-max\n\n" + table + "\n");
    }

    await host.StopAsync();
    return (int)(highest is null ? Outcome.Failed : Outcome.Passed);
}

var report = await host.Services.GetRequiredService<LoadRunner>().RunAsync(lifetime.ApplicationStopping);
Console.WriteLine(ReportWriter.Summary(report));
if (options.ReportDirectory is { } directory)
{
    await ReportWriter.WriteAsync(report, directory, CancellationToken.None);
    Console.WriteLine($"Report written to {Path.GetFullPath(directory)}");
}

await host.StopAsync();
return (int)report.Outcome;
