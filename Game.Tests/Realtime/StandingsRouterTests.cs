using Game.Functions.Contracts;
using Game.Server.Realtime;
using Microsoft.Extensions.Time.Testing;

namespace Game.Tests.Realtime;

public sealed class StandingsRouterTests
{
    private readonly FakeTimeProvider _time = new();
    private readonly StandingsRouter _standings;

    public StandingsRouterTests() => _standings = new StandingsRouter(_time);

    [Fact]
    public void Route_PhoneSendingDuringRound_StandingWaitsForItsNextAck()
    {
        _standings.TakeForAck("p1");
        _time.Advance(TimeSpan.FromMilliseconds(200));

        var push = _standings.Route([Standing("p1", score: 42)]);

        Assert.Empty(push);
        Assert.Equal(42, _standings.TakeForAck("p1")?.Score);
        Assert.Null(_standings.TakeForAck("p1"));
    }

    [Fact]
    public void Route_TwoChangesBeforeTheAck_TheAckCarriesTheNewest()
    {
        _standings.TakeForAck("p1");

        _standings.Route([Standing("p1", score: 1)]);
        _standings.Route([Standing("p1", score: 2)]);

        Assert.Equal(2, _standings.TakeForAck("p1")?.Score);
    }

    [Fact]
    public void Route_PhoneNeverAcked_IsPushedAtOnce()
    {
        var push = _standings.Route([Standing("p1", score: 7)]);

        Assert.Equal(7, Assert.Single(push).Score);
        Assert.Null(_standings.TakeForAck("p1"));
    }

    [Fact]
    public void Route_LastAckLongerAgoThanTheRideLimit_IsPushed()
    {
        _standings.TakeForAck("p1");
        _time.Advance(StandingsRouter.RideLimit);

        Assert.Single(_standings.Route([Standing("p1", score: 7)]));
    }

    [Theory]
    [InlineData(GamePhase.Finished)]
    [InlineData(GamePhase.Countdown)]
    [InlineData(GamePhase.Lobby)]
    public void Route_OutsideARunningRound_IsPushedEvenToASendingPhone(GamePhase phase)
    {
        _standings.TakeForAck("p1");

        var push = _standings.Route([Standing("p1", score: 9, phase)]);

        Assert.Equal(phase, Assert.Single(push).Phase);
        Assert.Null(_standings.TakeForAck("p1"));
    }

    [Fact]
    public void TakeOverdue_NoAckCameWithinTheRideLimit_HandsTheStandingOverOnce()
    {
        _standings.TakeForAck("p1");
        _standings.Route([Standing("p1", score: 5)]);

        _time.Advance(StandingsRouter.RideLimit - TimeSpan.FromMilliseconds(1));
        Assert.Empty(_standings.TakeOverdue());

        _time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(5, Assert.Single(_standings.TakeOverdue()).Score);
        Assert.Empty(_standings.TakeOverdue());
        Assert.Null(_standings.TakeForAck("p1"));
    }

    [Fact]
    public void TakeOverdue_WaitingIsCountedFromTheFirstUncarriedChange()
    {
        _standings.TakeForAck("p1");
        _standings.Route([Standing("p1", score: 1)]);
        _time.Advance(TimeSpan.FromMilliseconds(300));
        _standings.TakeForAck("p1");
        _standings.Route([Standing("p1", score: 2)]);
        _time.Advance(TimeSpan.FromMilliseconds(300));
        _standings.Route([Standing("p1", score: 3)]);
        _time.Advance(TimeSpan.FromMilliseconds(200));

        // Score 2 has waited 500 ms (score 3 replaced it, but the phone has still not been told since score 1).
        Assert.Equal(3, Assert.Single(_standings.TakeOverdue()).Score);
    }

    [Fact]
    public void Route_PlayersThatNeverAck_LeaveNoEntries()
    {
        for (var i = 0; i < 1000; i++)
        {
            _standings.Route([Standing($"p{i}", score: i)]);
        }

        _time.Advance(TimeSpan.FromHours(1));
        _standings.TakeOverdue();

        Assert.Equal(0, _standings.Count);
    }

    [Fact]
    public void Release_PhoneDisconnected_DropsItsEntryAndItsStandingIsPushedFromThenOn()
    {
        _standings.TakeForAck("p1");
        _standings.Route([Standing("p1", score: 1)]);

        _standings.Release("p1");

        Assert.Equal(0, _standings.Count);
        Assert.Empty(_standings.TakeOverdue());
        Assert.Single(_standings.Route([Standing("p1", score: 2)]));
        Assert.Equal(0, _standings.Count);
    }

    [Fact]
    public void TakeOverdue_NoAckForTheTtl_ForgetsThePlayer()
    {
        _standings.TakeForAck("p1");
        _standings.TakeForAck("p2");
        _time.Advance(StandingsRouter.ForgetAfter - TimeSpan.FromSeconds(1));
        _standings.TakeForAck("p2");
        _time.Advance(TimeSpan.FromSeconds(1));

        _standings.TakeOverdue();
        var afterP1sTtl = _standings.Count;
        _time.Advance(StandingsRouter.ForgetAfter);
        _standings.TakeOverdue();

        Assert.Equal((1, 0), (afterP1sTtl, _standings.Count));
    }

    [Fact]
    public void TakeForAck_Full_NewPhonesGetNoEntryAndTheirStandingsArePushed()
    {
        var standings = new StandingsRouter(_time, maxEntries: 2);
        standings.TakeForAck("p1");
        standings.TakeForAck("p2");

        Assert.Null(standings.TakeForAck("p3"));

        Assert.Equal(2, standings.Count);
        Assert.Single(standings.Route([Standing("p3", score: 1)]));
        Assert.Empty(standings.Route([Standing("p1", score: 1)]));
        standings.Release("p1");
        standings.TakeForAck("p3");
        Assert.Empty(standings.Route([Standing("p3", score: 2)]));
    }

    private static PhoneStanding Standing(string playerId, long score, GamePhase phase = GamePhase.Running) =>
        new() { GameId = "ABCDE", PlayerId = playerId, Phase = phase, Score = score, Rank = 1, Players = 1 };
}
