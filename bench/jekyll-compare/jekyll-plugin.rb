# Loaded into the Jekyll build of a site under comparison (copied into its _plugins folder, the site's own
# plugins removed first). It writes the list of posts and pages Jekyll produced, with their URLs and output
# files, and stands in for Liquid tags and blocks of plugins that are not installed, so that one unknown
# tag does not stop the whole build. The names of those tags come from the environment.
require "json"

module KubeblogCompare
  class StubTag < Liquid::Tag
    def render(_context) = ""
  end

  class StubBlock < Liquid::Block
    def render(_context) = ""
  end

  def self.names(variable) = ENV.fetch(variable, "").split(",").map(&:strip).reject(&:empty?)

  def self.entry(kind, item, site)
    {
      "kind" => kind,
      "source" => item.relative_path.to_s.sub(%r{\A/}, ""),
      "url" => item.url,
      "output" => item.destination(site.dest).delete_prefix(site.dest).sub(%r{\A/}, ""),
      "date" => item.respond_to?(:date) ? item.date.iso8601 : item.data["date"]&.to_s,
      "title" => item.data["title"]&.to_s,
    }
  end
end

KubeblogCompare.names("KUBEBLOG_COMPARE_STUB_TAGS").each { |name| Liquid::Template.register_tag(name, KubeblogCompare::StubTag) }
KubeblogCompare.names("KUBEBLOG_COMPARE_STUB_BLOCKS").each { |name| Liquid::Template.register_tag(name, KubeblogCompare::StubBlock) }

Jekyll::Hooks.register :site, :post_write do |site|
  posts = site.posts.docs.select(&:write?).map { |doc| KubeblogCompare.entry("post", doc, site) }
  pages = site.pages.select { |page| page.output_ext == ".html" && (!page.respond_to?(:write?) || page.write?) }.map { |page| KubeblogCompare.entry("page", page, site) }
  File.write(ENV.fetch("KUBEBLOG_COMPARE_MANIFEST"), JSON.generate(posts + pages))
end
