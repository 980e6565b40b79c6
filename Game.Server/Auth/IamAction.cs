namespace Game.Server.Auth;

/// <summary>The ARN of what a request acts on, from its route's values and the region it is signed for.</summary>
public delegate string IamResource(IReadOnlyDictionary<string, object?> routeValues, string region);

/// <summary>
/// Endpoint metadata: the IAM action a SigV4-signed route performs and the resource it acts on, declared where
/// the route is mapped (<see cref="IamEndpoints.WithIamAction{TBuilder}"/>). It is read where the signature is verified
/// (<see cref="SigV4Endpoints.ToSigV4Request"/> captures it, <see cref="AccessKeys.AuthorizeRoute"/> checks it),
/// so no handler can forget the check; a route that declares nothing is refused for every key that may not do
/// everything (deny by default).
/// </summary>
public sealed class IamAction
{
    private readonly IamResource? _resource;

    private IamAction(string? name, IamResource? resource)
    {
        Name = name;
        _resource = resource;
    }

    /// <summary>
    /// The endpoint performs a different action per request and checks each itself once it has read it, with
    /// <see cref="AccessKeys.Refusal"/>: Kinesis' <c>POST /</c>, whose operation is a header and whose stream is in
    /// the body.
    /// </summary>
    public static IamAction CheckedByEndpoint { get; } = new(null, null);

    /// <summary>The action, e.g. <c>lambda:InvokeFunction</c>; null for <see cref="CheckedByEndpoint"/>.</summary>
    public string? Name { get; }

    /// <summary>A route that performs <paramref name="name"/> on the resource <paramref name="resource"/> names (none: <c>*</c>).</summary>
    public static IamAction Of(string name, IamResource? resource = null) => new(name, resource);

    /// <summary>The resource's ARN for a request with these route values, signed for this region; <c>*</c> when the action acts on no named resource.</summary>
    public string Resource(IReadOnlyDictionary<string, object?> routeValues, string region) => _resource?.Invoke(routeValues, region) ?? "*";
}

public static class IamEndpoints
{
    /// <summary>Declares the IAM action this route performs, and what names its resource (none: the action acts on <c>*</c>, as ListFunctions does).</summary>
    public static TBuilder WithIamAction<TBuilder>(this TBuilder builder, string action, IamResource? resource = null)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(IamAction.Of(action, resource));
}
