using System.ComponentModel.DataAnnotations;

namespace Game.Server.Storage;

/// <summary>Which store holds games, scores and checkpoints. Bound from the <c>Storage</c> section.</summary>
public sealed class StorageOptions
{
    public const string Section = "Storage";

    /// <summary><c>Embedded</c> (default: a SQLite file in the data directory) or <c>DynamoDb</c>.</summary>
    public StorageProvider Provider { get; set; } = StorageProvider.Embedded;

    public DynamoDbStorageOptions DynamoDb { get; set; } = new();
}

public enum StorageProvider
{
    Embedded,
    DynamoDb,
}

/// <summary>DynamoDB settings (<c>Storage:DynamoDb</c>).</summary>
public sealed class DynamoDbStorageOptions
{
    /// <summary>A local endpoint such as dynalite (<c>http://127.0.0.1:4567</c>); unset for AWS.</summary>
    public string? ServiceUrl { get; set; }

    /// <summary>The AWS region; also the signing region of a local endpoint. Default us-east-1.</summary>
    [Required]
    public string Region { get; set; } = "us-east-1";

    /// <summary>Prefix of the table names (<c>&lt;prefix&gt;Games</c>, …). Default empty.</summary>
    public string TablePrefix { get; set; } = "";

    /// <summary>Create missing tables at start-up. Default true.</summary>
    public bool CreateTables { get; set; } = true;

    /// <summary>Access key for a local endpoint; on AWS leave unset to use the SDK's credential chain.</summary>
    public string? AccessKeyId { get; set; }

    public string? SecretAccessKey { get; set; }
}
