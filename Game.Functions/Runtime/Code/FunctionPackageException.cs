namespace Game.Functions.Runtime.Code;

/// <summary>A deployment package that cannot run: not a zip, no assembly, no class implementing a function contract.</summary>
/// <param name="message">Why, worded for the caller (it becomes Lambda's <c>InvalidParameterValueException</c>).</param>
public sealed class FunctionPackageException(string message) : Exception(message);
