using LeeMl.Sweep.Cli.CommandLine;

return CliApp.Run(args, Console.Out, Console.Error);
