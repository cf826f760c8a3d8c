using System.Text;

namespace Approvals.Cli.Output;

/// <summary>Rows printed as aligned columns under an upper-case header, for people (scripts use <c>--json</c>).</summary>
internal sealed class Table(params string[] columns)
{
    private const int MaxCell = 60;
    private readonly List<string[]> _rows = [];

    public Table Add(params string?[] cells)
    {
        _rows.Add([.. cells.Select(Cell)]);
        return this;
    }

    public void WriteTo(TextWriter output)
    {
        var widths = columns.Select((c, i) => _rows.Select(r => r[i].Length).Append(c.Length).Max()).ToArray();
        output.WriteLine(Line(columns.Select(c => c.ToUpperInvariant()).ToArray(), widths));
        foreach (var row in _rows)
        {
            output.WriteLine(Line(row, widths));
        }
    }

    private static string Line(string[] cells, int[] widths)
    {
        var line = new StringBuilder();
        for (var i = 0; i < cells.Length; i++)
        {
            line.Append(i == cells.Length - 1 ? cells[i] : cells[i].PadRight(widths[i] + 2));
        }
        return line.ToString().TrimEnd();
    }

    // One line per row, whatever a title holds; long text is cut (show prints it whole).
    private static string Cell(string? text)
    {
        var flat = string.Join(' ', (text ?? "-").Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
        return flat.Length == 0 ? "-" : flat.Length <= MaxCell ? flat : flat[..(MaxCell - 1)] + "…";
    }
}
