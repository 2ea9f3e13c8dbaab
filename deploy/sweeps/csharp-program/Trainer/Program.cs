// A C# training program as a sweep's trial: softmax regression with one hidden tanh layer on two
// interleaved half-moons, plain SGD with momentum. Parameters arrive as --name=value arguments,
// the seed as LEEML_TRIAL_SEED; each epoch prints one metrics line. Same seed, same output.
using System.Globalization;
using System.Text.Json;

var options = args.Where(a => a.StartsWith("--", StringComparison.Ordinal) && a.Contains('='))
    .Select(a => a[2..].Split('=', 2)).ToDictionary(kv => kv[0], kv => kv[1]);
double Option(string name, double fallback) => options.TryGetValue(name, out var v) ? double.Parse(v, CultureInfo.InvariantCulture) : fallback;
var lr = Option("lr", 0.1);
var momentum = Option("momentum", 0.9);
var hidden = (int)Option("hidden", 8);
var epochs = (int)Option("epochs", 9);
var seed = int.Parse(Environment.GetEnvironmentVariable("LEEML_TRIAL_SEED") ?? "1", CultureInfo.InvariantCulture);

var data = Moons(400, 0.2, new Random(1000 + seed));
var (train, validation) = (data[..300], data[300..]);
var rng = new Random(seed);
double Gauss(double sd) => sd * Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
var w1 = new double[hidden, 2];
var b1 = new double[hidden];
var w2 = new double[hidden];
var b2 = 0.0;
for (var j = 0; j < hidden; j++) { w1[j, 0] = Gauss(1); w1[j, 1] = Gauss(1); w2[j] = Gauss(1 / Math.Sqrt(hidden)); }
var (vw1, vb1, vw2) = (new double[hidden, 2], new double[hidden], new double[hidden]);
var vb2 = 0.0;
var h = new double[hidden];

double Forward(double[] x)
{
    var z = b2;
    for (var j = 0; j < hidden; j++)
    {
        h[j] = Math.Tanh(w1[j, 0] * x[0] + w1[j, 1] * x[1] + b1[j]);
        z += w2[j] * h[j];
    }
    return 1 / (1 + Math.Exp(-Math.Clamp(z, -60, 60)));
}

(double Loss, double Accuracy) Evaluate((double[] X, int Y)[] points)
{
    double loss = 0, correct = 0;
    foreach (var (x, y) in points)
    {
        var p = Math.Clamp(Forward(x), 1e-12, 1 - 1e-12);
        loss -= y * Math.Log(p) + (1 - y) * Math.Log(1 - p);
        correct += (p > 0.5) == (y == 1) ? 1 : 0;
    }
    return (loss / points.Length, correct / points.Length);
}

var order = Enumerable.Range(0, train.Length).ToArray();
for (var epoch = 1; epoch <= epochs; epoch++)
{
    rng.Shuffle(order);
    foreach (var i in order)
    {
        var (x, y) = train[i];
        var dz = Forward(x) - y;
        for (var j = 0; j < hidden; j++)
        {
            var dh = dz * w2[j] * (1 - h[j] * h[j]);
            vw2[j] = momentum * vw2[j] + dz * h[j];
            w2[j] -= lr * vw2[j];
            for (var k = 0; k < 2; k++)
            {
                vw1[j, k] = momentum * vw1[j, k] + dh * x[k];
                w1[j, k] -= lr * vw1[j, k];
            }
            vb1[j] = momentum * vb1[j] + dh;
            b1[j] -= lr * vb1[j];
        }
        vb2 = momentum * vb2 + dz;
        b2 -= lr * vb2;
    }
    var (trainLoss, trainAccuracy) = Evaluate(train);
    var (validationLoss, validationAccuracy) = Evaluate(validation);
    Console.WriteLine("@leeml " + JsonSerializer.Serialize(new Dictionary<string, double>
    {
        ["epoch"] = epoch, ["train_loss"] = trainLoss, ["train_accuracy"] = trainAccuracy,
        ["validation_loss"] = validationLoss, ["validation_accuracy"] = validationAccuracy,
    }));
}

static (double[] X, int Y)[] Moons(int n, double noise, Random rng)
{
    double Gauss() => Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
    return [.. Enumerable.Range(0, n).Select(i =>
    {
        var label = i % 2;
        var t = Math.PI * rng.NextDouble();
        var (x, y) = label == 0 ? (Math.Cos(t), Math.Sin(t)) : (1 - Math.Cos(t), 0.5 - Math.Sin(t));
        return (new[] { x + noise * Gauss(), y + noise * Gauss() }, label);
    })];
}
