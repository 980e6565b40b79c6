Console.WriteLine("loadtest");
