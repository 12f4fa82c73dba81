/** @jsxImportSource ../jsx */
/** The 404 and error pages. A 404 never says whether the thing exists for someone else. */
import type { Viewer } from "../http";
import { Layout } from "./layout";

export function notFoundPage(viewer: Viewer | undefined) {
  return (
    <Layout title="Not found" viewer={viewer} section="none">
      <h1>Not found</h1>
      <p>There is nothing here, or it belongs to another account.</p>
      <p><a href="/dashboard/apps">Back to your apps</a></p>
    </Layout>
  );
}

export function errorPage(viewer: Viewer | undefined, message: string) {
  return (
    <Layout title="Error" viewer={viewer} section="none">
      <h1>That did not work</h1>
      <p class="notice error" role="alert">{message}</p>
      <p><a href="/dashboard/apps">Back to your apps</a></p>
    </Layout>
  );
}
