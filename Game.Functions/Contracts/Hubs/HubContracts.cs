namespace Game.Functions.Contracts;

/// <summary>Paths of the SignalR hubs, shared by the server, the pages' tests and the load tool.</summary>
public static class HubPaths
{
    /// <summary>Phones send their motion batches here; the player token goes in the <c>access_token</c> query parameter.</summary>
    public const string Phone = "/hubs/phone";

    /// <summary>Presenter displays watch a game here.</summary>
    public const string Presenter = "/hubs/presenter";

    /// <summary>A hub that accepts the phones' messages and does nothing with them: the load tool's transport ceiling.</summary>
    public const string Baseline = "/hubs/baseline";
}

/// <summary>Server-to-presenter calls.</summary>
public interface IPresenterClient
{
    /// <summary>A scoreboard frame: the whole state the display needs (snapshot semantics, never a delta).</summary>
    Task Frame(ScoreboardFrame frame);

    /// <summary>A hall frame: only the players whose score changed (a display that watches the hall got a full one first).</summary>
    Task Hall(HallFrame frame);
}

/// <summary>Server-to-phone calls.</summary>
public interface IPhoneClient
{
    /// <summary>The phone's own standing: on connect, then whenever it changes (at most twice a second).</summary>
    Task Standing(PhoneStanding standing);
}

/// <summary>Phone-to-server calls (method names for untyped clients such as the browser and the load tool).</summary>
public static class PhoneHubMethods
{
    /// <summary><c>MotionAck SendMotion(MotionBatch batch)</c>: answers once the batch is durable.</summary>
    public const string SendMotion = "SendMotion";
}

/// <summary>Presenter-to-server calls.</summary>
public static class PresenterHubMethods
{
    /// <summary><c>ScoreboardFrame Watch(string gameId)</c>: joins the game's frames and answers the current snapshot.</summary>
    public const string Watch = "Watch";

    /// <summary><c>HallFrame WatchHall(string gameId)</c>: joins the game's hall frames and answers a full one.</summary>
    public const string WatchHall = "WatchHall";

    /// <summary><c>void UnwatchHall(string gameId)</c>: leaves the game's hall frames (the display left the hall view).</summary>
    public const string UnwatchHall = "UnwatchHall";
}
