using System.Reflection;
using System.Security.Claims;
using Game.Functions.Contracts;
using Game.Server.Realtime;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.SignalR;

namespace Game.Tests.Realtime;

/// <summary>
/// A display that starts watching while a frame goes out must not miss it: the hub joins the frame group before it
/// takes the snapshot. The other order lost a lobby join sent between the two (CI saw a display count 0 players for
/// 20 s after a phone joined). Pure ordering, so the grain and the group manager are recording fakes.
/// </summary>
public sealed class PresenterHubWatchTests
{
    [Fact]
    public async Task Watch_JoinsTheFrameGroupBeforeTakingTheSnapshot()
    {
        var calls = new List<string>();
        var hub = Hub(calls, snapshot: new ScoreboardFrame { GameId = "ABCDE", Version = 3 });

        var answered = await hub.Watch("abcde");

        Assert.Equal(3, answered.Version);
        Assert.Equal(["add display:ABCDE", "snapshot ABCDE"], calls);
    }

    [Fact]
    public async Task Watch_UnknownGame_LeavesTheGroupAgainAndSaysSo()
    {
        var calls = new List<string>();
        var hub = Hub(calls, snapshot: null);

        var error = await Assert.ThrowsAsync<HubException>(() => hub.Watch("zzzzz", probe: true));

        Assert.Contains("No game has the code 'zzzzz'", error.Message);
        Assert.Equal(["add probe:ZZZZZ", "snapshot ZZZZZ", "remove probe:ZZZZZ"], calls);
    }

    private static PresenterHub Hub(List<string> calls, ScoreboardFrame? snapshot) =>
        new(GrainFactoryProxy.Create(calls, snapshot))
        {
            Groups = new RecordingGroups(calls),
            Context = new Caller(),
        };

    /// <summary>An <see cref="IGrainFactory"/> whose game grains answer <c>Snapshot</c> with the frame given, noting each call.</summary>
    public class GrainFactoryProxy : DispatchProxy
    {
        private List<string> _calls = [];
        private ScoreboardFrame? _snapshot;

        public static IGrainFactory Create(List<string> calls, ScoreboardFrame? snapshot)
        {
            var factory = Create<IGrainFactory, GrainFactoryProxy>();
            var proxy = (GrainFactoryProxy)(object)factory;
            (proxy._calls, proxy._snapshot) = (calls, snapshot);
            return factory;
        }

        protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
        {
            if (targetMethod is { Name: nameof(IGrainFactory.GetGrain), IsGenericMethod: true } && targetMethod.GetGenericArguments()[0] == typeof(IGameGrain))
            {
                return GameGrainProxy.Create(_calls, (string)args![0]!, _snapshot);
            }

            throw new NotSupportedException(targetMethod?.Name);
        }
    }

    public class GameGrainProxy : DispatchProxy
    {
        private List<string> _calls = [];
        private string _key = "";
        private ScoreboardFrame? _snapshot;

        public static IGameGrain Create(List<string> calls, string key, ScoreboardFrame? snapshot)
        {
            var grain = Create<IGameGrain, GameGrainProxy>();
            var proxy = (GameGrainProxy)(object)grain;
            (proxy._calls, proxy._key, proxy._snapshot) = (calls, key, snapshot);
            return grain;
        }

        protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
        {
            if (targetMethod?.Name == nameof(IGameGrain.Snapshot))
            {
                _calls.Add($"snapshot {_key}");
                return Task.FromResult(_snapshot);
            }

            throw new NotSupportedException(targetMethod?.Name);
        }
    }

    private sealed class RecordingGroups(List<string> calls) : IGroupManager
    {
        public Task AddToGroupAsync(string connectionId, string groupName, CancellationToken cancellationToken = default)
        {
            calls.Add($"add {groupName}");
            return Task.CompletedTask;
        }

        public Task RemoveFromGroupAsync(string connectionId, string groupName, CancellationToken cancellationToken = default)
        {
            calls.Add($"remove {groupName}");
            return Task.CompletedTask;
        }
    }

    private sealed class Caller : HubCallerContext
    {
        public override string ConnectionId => "display-1";

        public override string? UserIdentifier => null;

        public override ClaimsPrincipal? User => null;

        public override IDictionary<object, object?> Items { get; } = new Dictionary<object, object?>();

        public override IFeatureCollection Features { get; } = new FeatureCollection();

        public override CancellationToken ConnectionAborted => CancellationToken.None;

        public override void Abort()
        {
        }
    }
}
